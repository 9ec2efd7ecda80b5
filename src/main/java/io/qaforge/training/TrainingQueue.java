package io.qaforge.training;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.qaforge.exam.Exams;
import io.qaforge.generation.JobStatus;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.Leases;
import io.qaforge.system.ProblemType;

import static io.qaforge.system.Unnest.column;

/**
 * The run lifecycle as single guarded SQL statements, so concurrent workers and users never race: a run is claimed
 * by exactly one worker ({@code SKIP LOCKED}), and only the worker holding the lease may report on or finish it.
 * A worker that dies stops renewing its lease (its heartbeats are its calls); the run is then claimable again.
 */
@Component
class TrainingQueue {

    record Lease(boolean cancelRequested, Instant leaseUntil) {
    }

    private static final Leases.Table RUNS = Leases.Table.until("training_run", "lease_until");

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Exams exams;

    TrainingQueue(JdbcClient jdbc, JsonMapper json, Exams exams) {
        this.jdbc = jdbc;
        this.json = json;
        this.exams = exams;
    }

    /** Queues a new run with the jobs it trains on. */
    @Transactional
    void insert(TrainingRun run) {
        jdbc.sql("""
                        INSERT INTO training_run (id, job_id, dataset_id, exam_id, retention_exam_id, hand_written_repeat, evaluate_only,
                                                  comparison_id, remediates, round, base_model, params, status, created_at)
                        VALUES (:id, :job, :dataset, :exam, :retentionExam, :handWrittenRepeat, :evaluateOnly, :comparison, :remediates,
                                :round, :baseModel, :params::jsonb, :status, :createdAt)""")
                .param("id", run.getId()).param("job", run.getJobId()).param("dataset", run.getDatasetId())
                .param("exam", run.getExamId()).param("retentionExam", run.getRetentionExamId())
                .param("handWrittenRepeat", run.getHandWrittenRepeat()).param("evaluateOnly", run.isEvaluateOnly())
                .param("comparison", run.getComparisonId()).param("remediates", run.getRemediates()).param("round", run.getRound())
                .param("baseModel", run.getBaseModel()).param("params", toJson(run.getParams()))
                .param("status", run.getStatus().name())
                .param("createdAt", OffsetDateTime.ofInstant(run.getCreatedAt(), ZoneOffset.UTC))
                .update();
        jdbc.sql("INSERT INTO training_run_job (run_id, job_id) SELECT ?, j FROM unnest(?::uuid[]) j")
                .params(run.getId(), run.getJobIds().stream().map(UUID::toString).toArray(String[]::new)).update();
    }

    /**
     * Hands the oldest claimable run to this worker: queued, or running under a lease that expired (its worker
     * vanished) fewer than {@code maxAttempts} times; one that used up its attempts is failed with the reason. A run
     * waits until every job it trains on has finished generating (generation's {@code job_state} view): training on
     * half a dataset helps nobody; one waiting for a job that was cancelled is failed. A run without an exam gets its jobs' test split as one, made here once they are final.
     */
    @Transactional
    Optional<UUID> claim(String workerId, int leaseSeconds, int maxAttempts) {
        // A run whose worker vanished after a cancel request needs no new worker: it is cancelled.
        jdbc.sql("""
                UPDATE training_run SET status = 'CANCELLED', finished_at = now(), lease_until = NULL, error = 'cancelled'
                WHERE status = 'RUNNING' AND cancel_requested AND\s""" + RUNS.expired()).update();
        jdbc.sql("""
                UPDATE training_run SET status = 'FAILED', finished_at = now(), lease_until = NULL,
                       error = 'worker lost ' || attempts || ' times (last: lease expired'
                               || coalesce(' while ' || (progress ->> 'phase'), '') || ')'
                WHERE status = 'RUNNING' AND attempts >= ? AND\s""" + RUNS.expired()).param(maxAttempts).update();
        // A job cancelled for good never becomes a dataset (a failed one may still be retried): its runs cannot start.
        jdbc.sql("""
                UPDATE training_run r SET status = 'FAILED', finished_at = now(), error = format(?, s.job_id)
                FROM training_run_job rj JOIN job_state s ON s.job_id = rj.job_id
                WHERE rj.run_id = r.id AND r.status = 'QUEUED' AND s.status = ?""")
                .params("job %s was cancelled, so there is no dataset to train on", JobStatus.CANCELLED.name()).update();
        Optional<UUID> claimed = jdbc.sql("""
                UPDATE training_run SET status = 'RUNNING', worker_id = :worker, lease_seconds = :lease, attempts = attempts + 1,
                       %s, started_at = coalesce(started_at, now())
                WHERE id = (SELECT r.id FROM training_run r
                            WHERE (r.status = 'QUEUED' OR (r.status = 'RUNNING' AND r.%s AND r.attempts < :maxAttempts))
                              AND NOT EXISTS (SELECT 1 FROM training_run_job rj LEFT JOIN job_state s ON s.job_id = rj.job_id
                                              WHERE rj.run_id = r.id AND (s.status IS NULL OR NOT s.status = ANY(:ready)))
                            ORDER BY r.created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id""".formatted(RUNS.renewal(), RUNS.expired()))
                .param("worker", workerId).param("lease", leaseSeconds).param("maxAttempts", maxAttempts)
                .param("ready", JobStatus.names(JobStatus.DATASET_READY))
                .query(UUID.class).optional();
        claimed.ifPresent(this::giveDefaultExam);
        return claimed;
    }

    /** A run named no exam: its jobs' held-out test pairs are its exam, once those jobs are final. */
    private void giveDefaultExam(UUID id) {
        List<UUID> jobIds = jdbc.sql("""
                SELECT rj.job_id FROM training_run_job rj JOIN training_run r ON r.id = rj.run_id
                WHERE rj.run_id = ? AND r.exam_id IS NULL""").param(id).query(UUID.class).list();
        if (!jobIds.isEmpty()) {
            exams.ofTestSplit(jobIds).ifPresent(exam -> jdbc.sql("UPDATE training_run SET exam_id = ? WHERE id = ? AND exam_id IS NULL")
                    .params(exam, id).update());
        }
    }

    /** Whether every one of these jobs has finished generating with a dataset (none: trivially). */
    boolean ready(Collection<UUID> jobIds) {
        return jobIds.isEmpty() || jdbc.sql("SELECT count(*) FROM job_state WHERE job_id = ANY(?::uuid[]) AND status = ANY(?)")
                .params(jobIds.stream().map(UUID::toString).toArray(String[]::new), JobStatus.names(JobStatus.DATASET_READY))
                .query(Integer.class).single() == jobIds.size();
    }

    static final int MAX_PROGRESS_CHARS = 16_384;

    @Transactional
    Optional<Lease> heartbeat(UUID id, String workerId, Map<String, Object> progress) {
        String snapshot = toJson(progress);
        // Every heartbeat is kept (the loss curve), so one must stay small: a few numbers, not a payload.
        if (snapshot.length() > MAX_PROGRESS_CHARS) {
            throw new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, ProblemType.HEARTBEAT_TOO_LARGE, "Heartbeat too large",
                    "A heartbeat's progress fields are limited to " + MAX_PROGRESS_CHARS + " characters of JSON, was " + snapshot.length());
        }
        // The lease is as long as the worker asked for at its claim.
        Optional<Lease> lease = jdbc.sql("""
                UPDATE training_run SET lease_until = now() + make_interval(secs => lease_seconds), progress = ?::jsonb
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'
                RETURNING cancel_requested, lease_until""")
                .params(snapshot, id, workerId)
                .query((row, i) -> new Lease(row.getBoolean("cancel_requested"), row.getTimestamp("lease_until").toInstant())).optional();
        if (lease.isPresent()) {
            jdbc.sql("INSERT INTO training_progress (run_id, progress) VALUES (?, ?::jsonb)").params(id, snapshot).update();
        }
        return lease;
    }

    /** One answer of the worker: a question of the run's exam in one phase, with its scores. */
    record Result(long questionId, String phase, String answer, Boolean keyFacts, boolean exactMatch, double tokenF1, boolean contained,
                  Boolean judge) {
        Results.Answer scored() {
            return new Results.Answer(answer, keyFacts, exactMatch, tokenF1, contained, judge);
        }
    }

    enum Completion { COMPLETED, REPEATED, LEASE_LOST }

    /**
     * Stores the outcome and every answer in one transaction. A worker whose earlier complete went through but whose
     * answer it never saw sends it again: that is {@code REPEATED}, and changes nothing.
     */
    @Transactional
    Completion complete(UUID id, String workerId, Map<String, Object> metrics, Map<String, Object> report, Map<String, Object> recall,
                        List<Result> results) {
        int updated = jdbc.sql("""
                UPDATE training_run SET status = 'SUCCEEDED', metrics = ?::jsonb, report = ?::jsonb, recall = ?::jsonb,
                       finished_at = now(), lease_until = NULL
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'""")
                .params(toJson(metrics), toJson(report), toJson(recall), id, workerId).update();
        if (updated == 0) {
            Integer done = jdbc.sql("SELECT count(*) FROM training_run WHERE id = ? AND worker_id = ? AND status = 'SUCCEEDED'")
                    .params(id, workerId).query(Integer.class).single();
            return done == 1 ? Completion.REPEATED : Completion.LEASE_LOST;
        }
        // One statement for every answer: the columns as arrays, zipped back into rows by unnest.
        jdbc.sql("""
                INSERT INTO training_result (run_id, question_id, phase, answer, key_facts, exact_match, token_f1, contained, judge)
                SELECT ?, * FROM unnest(?::bigint[], ?::text[], ?::text[], ?::boolean[], ?::boolean[], ?::real[], ?::boolean[],
                                        ?::boolean[])""")
                .params(id, column(results, Result::questionId, Long[]::new), column(results, Result::phase, String[]::new),
                        column(results, Result::answer, String[]::new), column(results, Result::keyFacts, Boolean[]::new),
                        column(results, Result::exactMatch, Boolean[]::new), column(results, Result::tokenF1, Double[]::new),
                        column(results, Result::contained, Boolean[]::new), column(results, Result::judge, Boolean[]::new))
                .update();
        return Completion.COMPLETED;
    }

    List<Result> results(UUID id) {
        return jdbc.sql("""
                SELECT question_id, phase, answer, key_facts, exact_match, token_f1, contained, judge FROM training_result
                WHERE run_id = ?""").param(id).query(Result.class).list();
    }

    /**
     * The worker is shutting down (SIGTERM): the run is queued again at once, and this claim is not counted as an
     * attempt lost. A run whose cancel was asked for is cancelled instead.
     */
    boolean release(UUID id, String workerId) {
        return jdbc.sql("""
                UPDATE training_run SET status = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'QUEUED' END,
                       finished_at = CASE WHEN cancel_requested THEN now() END,
                       error = CASE WHEN cancel_requested THEN 'cancelled' ELSE error END,
                       worker_id = NULL, lease_until = NULL, attempts = attempts - 1
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'""").params(id, workerId).update() == 1;
    }

    /** A failure reported after a cancel request is the cancellation taking effect. */
    boolean fail(UUID id, String workerId, String reason) {
        return jdbc.sql("""
                UPDATE training_run SET status = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'FAILED' END,
                       error = ?, finished_at = now(), lease_until = NULL
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'""").params(reason, id, workerId).update() == 1;
    }

    /** Queued runs end at once; a running one is asked to stop at its worker's next step. */
    boolean cancel(UUID id) {
        return jdbc.sql("""
                UPDATE training_run SET cancel_requested = true,
                       status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED' ELSE status END,
                       finished_at = CASE WHEN status = 'QUEUED' THEN now() END
                WHERE id = ? AND status IN ('QUEUED', 'RUNNING')""").param(id).update() == 1;
    }

    List<Map<String, Object>> history(UUID id) {
        return jdbc.sql("SELECT recorded_at, progress FROM training_progress WHERE run_id = ? ORDER BY id").param(id)
                .query((row, i) -> {
                    Map<String, Object> point = fromJson(row.getString("progress"));
                    point.put("recordedAt", row.getTimestamp("recorded_at").toInstant());
                    return point;
                }).list();
    }

    private String toJson(Object value) {
        try {
            return value == null ? null : json.writeValueAsString(value);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> fromJson(String value) {
        try {
            return json.readValue(value, java.util.LinkedHashMap.class);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
