package io.qaforge.hub;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;

import org.hibernate.annotations.Immutable;

import io.qaforge.system.AssignedIdEntity;

/**
 * One push to the Hub: a job's or dataset's export to a dataset repo, or a training run's adapter (or merged model) to a
 * model repo. Holds no token: that lives only in the running push. Read through JPA, written only by {@link HubPusher}'s
 * SQL (inserted there too, then leased and finished there), hence {@code @Immutable}.
 */
@Entity
@Immutable
public class HubPush extends AssignedIdEntity {

    public enum Status { QUEUED, RUNNING, SUCCEEDED, FAILED }

    private UUID jobId;
    private UUID datasetId;
    private UUID trainingId;
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

    private HubPush(UUID jobId, UUID datasetId, UUID trainingId, String repoId, boolean privateRepo, String format) {
        super(UUID.randomUUID());
        this.jobId = jobId;
        this.datasetId = datasetId;
        this.trainingId = trainingId;
        this.repoId = repoId;
        this.privateRepo = privateRepo;
        this.format = format;
        this.status = Status.QUEUED;
        this.createdAt = Instant.now();
        this.heartbeatAt = createdAt;
    }

    static HubPush ofData(UUID jobId, UUID datasetId, String repoId, boolean privateRepo, String format) {
        return new HubPush(jobId, datasetId, null, repoId, privateRepo, format);
    }

    /** @param kind {@code adapter} or {@code merged} */
    static HubPush ofTraining(UUID trainingId, String repoId, boolean privateRepo, String kind) {
        return new HubPush(null, null, trainingId, repoId, privateRepo, kind);
    }

    public UUID getJobId() {
        return jobId;
    }

    public UUID getDatasetId() {
        return datasetId;
    }

    public UUID getTrainingId() {
        return trainingId;
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
