package io.qaforge.training;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A LoRA fine-tuning run the service queues and a GPU worker ({@code worker/}) claims, reports on and finishes. */
@Entity
class TrainingRun {

    enum Status { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED }

    @Id
    private UUID id;
    private UUID jobId;
    private String baseModel;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> params;
    @Enumerated(EnumType.STRING)
    private Status status;
    private String workerId;
    private Instant leaseUntil;
    private boolean cancelRequested;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> progress;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> metrics;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> report;
    private String adapterUri;
    private String error;
    private Instant createdAt;
    private Instant startedAt;
    private Instant finishedAt;

    protected TrainingRun() {
    }

    TrainingRun(UUID jobId, String baseModel, Map<String, Object> params) {
        this.id = UUID.randomUUID();
        this.jobId = jobId;
        this.baseModel = baseModel;
        this.params = params;
        this.status = Status.QUEUED;
        this.createdAt = Instant.now();
    }

    UUID getId() {
        return id;
    }

    UUID getJobId() {
        return jobId;
    }

    String getBaseModel() {
        return baseModel;
    }

    Map<String, Object> getParams() {
        return params;
    }

    Status getStatus() {
        return status;
    }

    String getWorkerId() {
        return workerId;
    }

    Instant getLeaseUntil() {
        return leaseUntil;
    }

    boolean isCancelRequested() {
        return cancelRequested;
    }

    Map<String, Object> getProgress() {
        return progress;
    }

    Map<String, Object> getMetrics() {
        return metrics;
    }

    Map<String, Object> getReport() {
        return report;
    }

    String getAdapterUri() {
        return adapterUri;
    }

    String getError() {
        return error;
    }

    Instant getCreatedAt() {
        return createdAt;
    }

    Instant getStartedAt() {
        return startedAt;
    }

    Instant getFinishedAt() {
        return finishedAt;
    }
}
