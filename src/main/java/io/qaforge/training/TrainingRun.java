package io.qaforge.training;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A LoRA fine-tuning run (or, {@code evaluateOnly}, a base model's exam) the service queues and a GPU worker
 * ({@code worker/}) claims, reports on and finishes. It trains on the union of its jobs' pairs. Read through JPA, written
 * only by {@link TrainingQueue}'s guarded SQL (inserted there too), so an entity saved back can never undo a worker's
 * state change: {@code @Immutable}.
 */
@Entity
@Immutable
class TrainingRun {

    enum Status { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED }

    /**
     * What a run trains and is examined on; {@code jobId} and {@code datasetId} say how the caller named the jobs.
     *
     * @param retentionExamId answered closed book before and after training to measure forgetting; null for evaluations
     * @param handWrittenRepeat how many times per epoch each of the dataset's hand-written train pairs is trained on
     */
    record Source(UUID jobId, UUID datasetId, Set<UUID> jobIds, UUID examId, UUID retentionExamId, int handWrittenRepeat) {
    }

    @Id
    private UUID id;
    private UUID jobId;
    private UUID datasetId;
    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "training_run_job", joinColumns = @JoinColumn(name = "run_id"))
    @Column(name = "job_id")
    private Set<UUID> jobIds = new TreeSet<>();
    private UUID examId;
    private UUID retentionExamId;
    /** Each hand-written train pair of the dataset is trained on this many times per epoch. */
    private int handWrittenRepeat = 1;
    private boolean evaluateOnly;
    private UUID comparisonId;
    /** The run whose missed questions this one's top-up jobs were made for; null in round 1. */
    private UUID remediates;
    private int round = 1;
    private String baseModel;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> params;
    @Enumerated(EnumType.STRING)
    private Status status;
    private String workerId;
    private Instant leaseUntil;
    private boolean cancelRequested;
    private int attempts;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> progress;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> metrics;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> report;
    @JdbcTypeCode(SqlTypes.JSON)
    private Map<String, Object> recall;
    private String error;
    private Instant createdAt;
    private Instant startedAt;
    private Instant finishedAt;

    protected TrainingRun() {
    }

    TrainingRun(Source source, String baseModel, Map<String, Object> params, boolean evaluateOnly, UUID comparisonId) {
        this.id = UUID.randomUUID();
        this.jobId = source.jobId();
        this.datasetId = source.datasetId();
        this.jobIds = new TreeSet<>(source.jobIds());
        this.examId = source.examId();
        this.retentionExamId = source.retentionExamId();
        this.handWrittenRepeat = source.handWrittenRepeat();
        this.baseModel = baseModel;
        this.params = params;
        this.evaluateOnly = evaluateOnly;
        this.comparisonId = comparisonId;
        this.status = Status.QUEUED;
        this.createdAt = Instant.now();
    }

    /**
     * The next remediation round: the same base model, params (this run's, validated again), exam and retention exam,
     * training on this run's jobs plus the top-ups, so its recall and forgetting compare with this one's.
     */
    TrainingRun nextRound(Set<UUID> topUpJobIds, Map<String, Object> params) {
        Set<UUID> union = new TreeSet<>(jobIds);
        union.addAll(topUpJobIds);
        // The dataset's hand-written pairs stay in every round, weighted as before.
        TrainingRun next = new TrainingRun(new Source(null, datasetId, union, examId, retentionExamId, handWrittenRepeat), baseModel,
                params, false, null);
        next.remediates = id;
        next.round = round + 1;
        return next;
    }

    UUID getId() {
        return id;
    }

    UUID getJobId() {
        return jobId;
    }

    UUID getDatasetId() {
        return datasetId;
    }

    int getHandWrittenRepeat() {
        return handWrittenRepeat;
    }

    Set<UUID> getJobIds() {
        return new TreeSet<>(jobIds);
    }

    UUID getExamId() {
        return examId;
    }

    UUID getRetentionExamId() {
        return retentionExamId;
    }

    boolean isEvaluateOnly() {
        return evaluateOnly;
    }

    UUID getComparisonId() {
        return comparisonId;
    }

    UUID getRemediates() {
        return remediates;
    }

    int getRound() {
        return round;
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

    int getAttempts() {
        return attempts;
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

    Map<String, Object> getRecall() {
        return recall;
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
