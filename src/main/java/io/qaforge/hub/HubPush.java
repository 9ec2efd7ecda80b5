package io.qaforge.hub;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;

import io.qaforge.system.AssignedIdEntity;

/** One push of a job's or dataset's export to a Hub dataset repo. Holds no token: that lives only in the running push. */
@Entity
public class HubPush extends AssignedIdEntity {

    public enum Status { QUEUED, RUNNING, SUCCEEDED, FAILED }

    private UUID jobId;
    private UUID datasetId;
    private String repoId;
    @Column(name = "private")
    private boolean privateRepo;
    private String format;
    @Enumerated(EnumType.STRING)
    private Status status;
    private String commitUrl;
    private String error;
    private Instant createdAt;
    private Instant heartbeatAt;
    private Instant finishedAt;

    protected HubPush() {
    }

    HubPush(UUID jobId, UUID datasetId, String repoId, boolean privateRepo, String format) {
        super(UUID.randomUUID());
        this.jobId = jobId;
        this.datasetId = datasetId;
        this.repoId = repoId;
        this.privateRepo = privateRepo;
        this.format = format;
        this.status = Status.QUEUED;
        this.createdAt = Instant.now();
        this.heartbeatAt = createdAt;
    }

    public UUID getJobId() {
        return jobId;
    }

    public UUID getDatasetId() {
        return datasetId;
    }

    public String getRepoId() {
        return repoId;
    }

    public boolean isPrivateRepo() {
        return privateRepo;
    }

    public String getFormat() {
        return format;
    }

    public Status getStatus() {
        return status;
    }

    public String getCommitUrl() {
        return commitUrl;
    }

    public String getError() {
        return error;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }
}
