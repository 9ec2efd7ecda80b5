package io.qaforge.generation.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.generation.JobStatus;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.system.Leases;

/**
 * The batches of batch-mode jobs as the database keeps them. A batch row is leased like a task (only one replica works
 * on a batch at a time, and another takes it over once the lease runs out); its tasks stay {@code RUNNING}, leased by
 * the batch itself (no expiry), until its answers are read, so no synchronous worker and no other batch takes them.
 */
@Component
public class ProviderBatches {

    /** A batch being made: its row and the tasks it holds. */
    public record Opened(long id, UUID jobId, List<TaskQueue.Claimed> tasks) {
        public String lessee() {
            return lessee(id);
        }

        public static String lessee(long batchId) {
            return "batch-" + batchId;
        }
    }

    /** A batch row this replica holds the lease of. */
    public record Leased(long id, UUID jobId, String providerBatchId, String inputFileId, Instant createdAt) {
        public String lessee() {
            return Opened.lessee(id);
        }
    }

    private static final Leases.Table BATCHES = Leases.Table.until("provider_batch", "lease_until");

    private final JdbcClient db;
    private final TransactionTemplate transaction;
    private final TaskQueue queue;
    private final Leases leases;

    ProviderBatches(JdbcClient db, TransactionTemplate transaction, TaskQueue queue, Leases leases) {
        this.leases = leases;
        this.db = db;
        this.transaction = transaction;
        this.queue = queue;
    }

    /**
     * Puts up to {@code max} pending tasks of one batch-mode job on this provider in a new batch, leased to {@code worker}
     * while it is submitted: the job with the oldest such task whose budget can take any. Like a synchronous claim, only
     * what the job's budget can still take: the tasks' estimates, added up in id order, on top of what is spent and
     * reserved. A job whose budget takes none, with nothing running, ends as {@code BUDGET_EXHAUSTED}.
     */
    public Optional<Opened> open(String provider, String worker, Duration lease, int max) {
        List<UUID> jobs = db.sql("""
                        SELECT t.job_id FROM task t JOIN job j ON j.id = t.job_id
                        WHERE j.mode = 'batch' AND j.status = ANY(:active) AND coalesce(t.provider, j.provider) = :provider
                          AND t.status = 'PENDING' AND t.next_attempt_at <= now()
                        GROUP BY t.job_id ORDER BY min(t.id) LIMIT 100""")
                .param("active", JobStatus.names(JobStatus.ACTIVE)).param("provider", provider)
                .query(UUID.class).list();
        for (UUID job : jobs) {
            Optional<Opened> opened = transaction.execute(tx -> open(job, provider, worker, lease, max));
            if (opened.isPresent()) {
                return opened;
            }
        }
        return Optional.empty();
    }

    private Optional<Opened> open(UUID jobId, String provider, String worker, Duration lease, int max) {
        // Locks the job row, so budgets reserved by concurrent claims in other replicas are seen.
        db.sql("SELECT 1 FROM job WHERE id = ? FOR UPDATE").param(jobId).query(Integer.class).single();
        long id = db.sql("""
                        INSERT INTO provider_batch (job_id, provider, status, leased_by, lease_until)
                        VALUES (?, ?, 'preparing', ?, now() + make_interval(secs => ?)) RETURNING id""")
                .params(jobId, provider, worker, lease.toMillis() / 1000.0).query(Long.class).single();
        List<TaskQueue.Claimed> tasks = db.sql("""
                        WITH headroom AS (
                            SELECT j.max_cost_usd - j.cost_usd - r.cost AS cost,
                                   j.max_tokens - j.prompt_tokens - j.completion_tokens - r.tokens AS tokens
                            FROM job j,
                                 LATERAL (SELECT coalesce(sum(est_cost_usd), 0) AS cost, coalesce(sum(est_tokens), 0) AS tokens
                                          FROM task WHERE job_id = j.id AND status = 'RUNNING' AND lease_until >= now()) r
                            WHERE j.id = :job),
                        candidate AS (
                            SELECT t.id, sum(t.est_cost_usd) OVER w AS cost, sum(t.est_tokens) OVER w AS tokens
                            FROM task t JOIN job j ON j.id = t.job_id
                            WHERE t.job_id = :job AND coalesce(t.provider, j.provider) = :provider
                              AND t.status = 'PENDING' AND t.next_attempt_at <= now()
                            WINDOW w AS (ORDER BY t.id)),
                        picked AS (
                            SELECT c.id FROM candidate c, headroom h
                            WHERE (h.cost IS NULL OR c.cost <= h.cost) AND (h.tokens IS NULL OR c.tokens <= h.tokens)
                            ORDER BY c.id LIMIT :max),
                        locked AS (
                            SELECT id FROM task WHERE id IN (SELECT id FROM picked) FOR UPDATE SKIP LOCKED)
                        UPDATE task t SET status = 'RUNNING', attempts = t.attempts + 1, leased_by = :lessee,
                               lease_until = 'infinity', batch_id = :batch
                        FROM locked WHERE t.id = locked.id
                        RETURNING\s""" + TaskQueue.Claimed.COLUMNS)
                .param("job", jobId).param("provider", provider).param("max", max)
                .param("lessee", Opened.lessee(id)).param("batch", id)
                .query(TaskQueue.Claimed::read).list();
        if (tasks.isEmpty()) {
            // Nothing the budget can take (or another replica took them a moment ago): no batch.
            db.sql("DELETE FROM provider_batch WHERE id = ?").param(id).update();
            queue.settle(jobId);
            return Optional.empty();
        }
        db.sql("UPDATE provider_batch SET requests_total = ? WHERE id = ?").params(tasks.size(), id).update();
        db.sql("UPDATE job SET status = 'RUNNING', started_at = coalesce(started_at, now()) WHERE id = ? AND status = 'QUEUED'")
                .param(jobId).update();
        return Optional.of(new Opened(id, jobId, tasks));
    }

    /** Tasks that did not go in the batch after all (over the file size) go back, their attempt not counted. */
    public void giveBack(long batchId, List<TaskQueue.Claimed> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        db.sql("""
                        UPDATE task SET status = 'PENDING', attempts = greatest(attempts - 1, 0), leased_by = NULL,
                               lease_until = NULL, batch_id = NULL
                        WHERE id = ANY(?) AND leased_by = ? AND status = 'RUNNING'""")
                .params(tasks.stream().map(TaskQueue.Claimed::id).toArray(Long[]::new), Opened.lessee(batchId)).update();
        db.sql("UPDATE provider_batch SET requests_total = requests_total - ? WHERE id = ?").params(tasks.size(), batchId).update();
    }

    public void uploaded(long id, String inputFileId) {
        db.sql("UPDATE provider_batch SET input_file_id = ? WHERE id = ?").params(inputFileId, id).update();
    }

    /**
     * Records what the provider says of the batch. Until it has ended, the lease is given up and the next look is due in
     * {@code next}; once it has ended, this replica keeps the lease to read the answers.
     */
    public void polled(long id, OpenAiBatches.Batch batch, Duration next) {
        db.sql("""
                        UPDATE provider_batch SET provider_batch_id = :batchId, input_file_id = coalesce(:file, input_file_id),
                               status = :status, output_file_id = :output, error_file_id = :errors, error = :error,
                               requests_total = CASE WHEN :total > 0 THEN :total ELSE requests_total END,
                               requests_done = :done, requests_failed = :failed,
                               completed_at = CASE WHEN :ended THEN coalesce(:completedAt, now()) END,
                               next_poll_at = now() + make_interval(secs => :next),
                               leased_by = CASE WHEN :ended THEN leased_by END,
                               lease_until = CASE WHEN :ended THEN lease_until END
                        WHERE id = :id""")
                .param("batchId", batch.id()).param("file", batch.inputFileId()).param("status", batch.status())
                .param("output", batch.outputFileId()).param("errors", batch.errorFileId()).param("error", batch.error())
                .param("total", batch.total()).param("done", batch.completed()).param("failed", batch.failed())
                .param("ended", batch.ended())
                .param("completedAt", batch.completedAt() == null ? null : java.sql.Timestamp.from(batch.completedAt()))
                .param("next", next.toMillis() / 1000.0).param("id", id)
                .update();
    }

    /** A look that failed (the provider unreachable, say): try again in {@code next}, by whichever replica comes first. */
    public void later(long id, String error, Duration next) {
        db.sql("""
                        UPDATE provider_batch SET error = ?, next_poll_at = now() + make_interval(secs => ?), leased_by = NULL,
                               lease_until = NULL
                        WHERE id = ?""")
                .params(error, next.toMillis() / 1000.0, id).update();
    }

    /**
     * Leases the batch on this provider that is due for a look: one in flight whose next poll is due, or one whose
     * replica died while it submitted or read it (its lease ran out).
     */
    public Optional<Leased> leaseDue(String provider, String worker, Duration lease) {
        return db.sql("""
                        UPDATE provider_batch b SET leased_by = :worker, lease_until = now() + make_interval(secs => :lease)
                        WHERE b.id = (SELECT id FROM provider_batch
                                      WHERE provider = :provider AND settled_at IS NULL
                                        AND (lease_until IS NULL AND next_poll_at <= now() OR lease_until < now())
                                      ORDER BY next_poll_at, id LIMIT 1
                                      FOR UPDATE SKIP LOCKED)
                        RETURNING b.id, b.job_id, b.provider_batch_id, b.input_file_id, b.created_at""")
                .param("worker", worker).param("lease", lease.toMillis() / 1000.0).param("provider", provider)
                .query((rs, i) -> new Leased(rs.getLong("id"), rs.getObject("job_id", UUID.class), rs.getString("provider_batch_id"),
                        rs.getString("input_file_id"), rs.getTimestamp("created_at").toInstant()))
                .optional();
    }

    /** Keeps the lease while a long output file is read. */
    public void renew(long id, String worker, Duration lease) {
        leases.renew(BATCHES, List.of(id), lease, "leased_by = :worker", Map.of("worker", worker));
    }

    /** The batch's tasks that still wait for their answer (not yet stored, nor cancelled with their job). */
    public List<TaskQueue.Claimed> waiting(long id) {
        return db.sql("SELECT " + TaskQueue.Claimed.COLUMNS + " FROM task t WHERE t.batch_id = ? AND t.status = 'RUNNING' "
                        + "AND t.leased_by = ? ORDER BY t.id")
                .params(id, Opened.lessee(id)).query(TaskQueue.Claimed::read).list();
    }

    /** Every task of the batch has its outcome: nothing more to do with it. */
    public void settle(long id, String status, String error) {
        db.sql("""
                        UPDATE provider_batch SET settled_at = now(), status = coalesce(?, status), error = coalesce(?, error),
                               completed_at = coalesce(completed_at, now()), leased_by = NULL, lease_until = NULL
                        WHERE id = ?""")
                .params(status, error, id).update();
    }

    /** A batch with nothing to send (every task settled without a call): no trace of it is kept. */
    public void drop(long id) {
        transaction.executeWithoutResult(tx -> {
            db.sql("UPDATE task SET batch_id = NULL WHERE batch_id = ?").param(id).update();
            db.sql("DELETE FROM provider_batch WHERE id = ?").param(id).update();
        });
    }
}
