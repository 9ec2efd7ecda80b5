package io.qaforge.training;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.qaforge.generation.JobStatus;
import io.qaforge.system.ApiProblem;

/**
 * The run lifecycle as single guarded SQL statements, so concurrent workers and users never race: a run is claimed
 * by exactly one worker ({@code SKIP LOCKED}), and only the worker holding the lease may report on or finish it.
 * A worker that dies stops renewing its lease; the run is then claimable again.
 */
@Component
class TrainingQueue {

    record Lease(boolean cancelRequested, Instant leaseUntil) {
    }

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    TrainingQueue(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    Optional<UUID> claim(String workerId, int leaseSeconds) {
        // A run whose worker vanished after a cancel request needs no new worker: it is cancelled.
        jdbc.update("""
                UPDATE training_run SET status = 'CANCELLED', finished_at = now(), lease_until = NULL, error = 'cancelled'
                WHERE status = 'RUNNING' AND cancel_requested AND lease_until < now()""");
        // A run waits until its job has finished generating (generation's job_state view): training on half a dataset helps nobody.
        List<UUID> claimed = jdbc.queryForList("""
                UPDATE training_run SET status = 'RUNNING', worker_id = ?, lease_seconds = ?,
                       lease_until = now() + make_interval(secs => ?), started_at = coalesce(started_at, now())
                WHERE id = (SELECT id FROM training_run
                            WHERE (status = 'QUEUED' OR (status = 'RUNNING' AND lease_until < now()))
                              AND job_id IN (SELECT job_id FROM job_state WHERE status = ANY(?))
                            ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id""", UUID.class, workerId, leaseSeconds, leaseSeconds, JobStatus.names(JobStatus.DATASET_READY));
        return claimed.stream().findFirst();
    }

    static final int MAX_PROGRESS_CHARS = 16_384;

    @Transactional
    Optional<Lease> heartbeat(UUID id, String workerId, Map<String, Object> progress) {
        String snapshot = toJson(progress);
        // Every heartbeat is kept (the loss curve), so one must stay small: a few numbers, not a payload.
        if (snapshot.length() > MAX_PROGRESS_CHARS) {
            throw new ApiProblem(HttpStatus.PAYLOAD_TOO_LARGE, "heartbeat-too-large", "Heartbeat too large",
                    "A heartbeat's progress fields are limited to " + MAX_PROGRESS_CHARS + " characters of JSON, was " + snapshot.length());
        }
        List<Lease> leases = jdbc.query("""
                UPDATE training_run SET lease_until = now() + make_interval(secs => lease_seconds), progress = ?::jsonb
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'
                RETURNING cancel_requested, lease_until""",
                (row, i) -> new Lease(row.getBoolean(1), row.getTimestamp(2).toInstant()), snapshot, id, workerId);
        if (!leases.isEmpty()) {
            jdbc.update("INSERT INTO training_progress (run_id, progress) VALUES (?, ?::jsonb)", id, snapshot);
        }
        return leases.stream().findFirst();
    }

    boolean complete(UUID id, String workerId, Map<String, Object> metrics, Map<String, Object> report, String adapterUri) {
        return jdbc.update("""
                UPDATE training_run SET status = 'SUCCEEDED', metrics = ?::jsonb, report = ?::jsonb, adapter_uri = ?,
                       finished_at = now(), lease_until = NULL
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'""",
                toJson(metrics), toJson(report), adapterUri, id, workerId) == 1;
    }

    /** A failure reported after a cancel request is the cancellation taking effect. */
    boolean fail(UUID id, String workerId, String reason) {
        return jdbc.update("""
                UPDATE training_run SET status = CASE WHEN cancel_requested THEN 'CANCELLED' ELSE 'FAILED' END,
                       error = ?, finished_at = now(), lease_until = NULL
                WHERE id = ? AND worker_id = ? AND status = 'RUNNING'""", reason, id, workerId) == 1;
    }

    /** Queued runs end at once; a running one is asked to stop at its worker's next step. */
    boolean cancel(UUID id) {
        return jdbc.update("""
                UPDATE training_run SET cancel_requested = true,
                       status = CASE WHEN status = 'QUEUED' THEN 'CANCELLED' ELSE status END,
                       finished_at = CASE WHEN status = 'QUEUED' THEN now() END
                WHERE id = ? AND status IN ('QUEUED', 'RUNNING')""", id) == 1;
    }

    List<Map<String, Object>> history(UUID id) {
        return jdbc.query("SELECT recorded_at, progress FROM training_progress WHERE run_id = ? ORDER BY id", (row, i) -> {
            Map<String, Object> point = fromJson(row.getString(2));
            point.put("recordedAt", row.getObject(1, Timestamp.class).toInstant());
            return point;
        }, id);
    }

    private String toJson(Object value) {
        try {
            return value == null ? null : json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> fromJson(String value) {
        try {
            return json.readValue(value, java.util.LinkedHashMap.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
