package io.qaforge.generation.queue;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.generation.JobStatus;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.system.Leases;

/**
 * The durable work queue: tasks in PostgreSQL, claimed with {@code FOR UPDATE SKIP LOCKED} and a lease, so any number
 * of workers in any number of replicas share jobs without double work. Every write after a call is guarded by
 * {@code leased_by = me AND status = 'RUNNING'}: a worker whose lease expired (and whose task another worker took)
 * cannot store its result a second time.
 */
@Component
public class TaskQueue {

    /**
     * @param round 0 for the temperature sweep, from 1 for a fact job's top-up rounds (the steps cap them)
     */
    public record Claimed(long id, UUID jobId, long chunkId, BigDecimal temperature, String variant, int questions,
                   int estTokens, int attempt, TaskKind kind, int round, Long gradedTaskId) {

        /** The task columns a claim returns, named as the record's components (alias {@code t}). */
        public static final String COLUMNS = "t.id, t.job_id, t.chunk_id, t.temperature, t.variant, t.questions, t.est_tokens, "
                + "t.attempts AS attempt, t.kind, t.round, t.graded_task_id";

        /** A row of {@link #COLUMNS}, read by column name; the kind through its stored value. */
        public static Claimed read(ResultSet rs, int row) throws SQLException {
            return new Claimed(rs.getLong("id"), rs.getObject("job_id", UUID.class), rs.getLong("chunk_id"),
                    rs.getBigDecimal("temperature"), rs.getString("variant"), rs.getInt("questions"), rs.getInt("est_tokens"),
                    rs.getInt("attempt"), TaskKind.of(rs.getString("kind")), rs.getInt("round"),
                    rs.getObject("graded_task_id", Long.class));
        }
    }

    /** What a call used and cost; {@code cachedTokens} are part of {@code promptTokens}. */
    record Spend(int promptTokens, int cachedTokens, int completionTokens, GenerationProperties.Cost cost) {
        static final Spend NONE = new Spend(0, 0, 0, GenerationProperties.Cost.ZERO);
    }

    private static final Leases.Table TASKS = Leases.Table.until("task", "lease_until");

    private final JdbcClient db;
    private final TransactionTemplate transaction;
    private final ApplicationEventPublisher events;

    private final Leases leases;

    TaskQueue(JdbcClient db, TransactionTemplate transaction, ApplicationEventPublisher events, Leases leases) {
        this.leases = leases;
        this.db = db;
        this.transaction = transaction;
        this.events = events;
    }

    /**
     * Claims the oldest runnable task on this provider (its job's provider, or a judge task's own) of any runnable job
     * that the job's budget can still take: its estimate on top of what is spent and what running tasks reserve. A task
     * that does not fit is passed over, so it never holds up the tasks behind it, of its own job or of another; once no
     * pending task of a job fits and none runs, {@link #settle} ends the job as {@code BUDGET_EXHAUSTED}. On a provider
     * that takes batches, the tasks of batch-mode jobs are left to the {@link BatchRunner}.
     */
    Optional<Claimed> claim(String provider, String worker, Duration lease, boolean batchProvider) {
        return transaction.execute(tx -> {
            Optional<Claimed> claimed = db.sql("""
                            WITH headroom AS (
                                SELECT j.id,
                                       j.max_cost_usd - j.cost_usd - coalesce(sum(r.est_cost_usd), 0) AS cost,
                                       j.max_tokens - j.prompt_tokens - j.completion_tokens - coalesce(sum(r.est_tokens), 0) AS tokens
                                FROM job j
                                LEFT JOIN task r ON r.job_id = j.id AND r.status = 'RUNNING' AND r.lease_until >= now()
                                WHERE j.status = ANY(:active)
                                  AND (j.max_cost_usd IS NOT NULL OR j.max_tokens IS NOT NULL)
                                GROUP BY j.id),
                            next AS (
                                SELECT t.id FROM task t JOIN job j ON j.id = t.job_id LEFT JOIN headroom h ON h.id = t.job_id
                                WHERE coalesce(t.provider, j.provider) = :provider AND j.status = ANY(:active)
                                  AND (NOT :batchProvider OR j.mode = 'sync')
                                  AND (t.status = 'PENDING' OR (t.status = 'RUNNING' AND t.lease_until < now()))
                                  AND t.next_attempt_at <= now()
                                  AND (h.cost IS NULL OR t.est_cost_usd <= h.cost)
                                  AND (h.tokens IS NULL OR t.est_tokens <= h.tokens)
                                ORDER BY t.id
                                LIMIT 1
                                FOR UPDATE OF t SKIP LOCKED)
                            UPDATE task t SET status = 'RUNNING', attempts = t.attempts + 1, leased_by = :worker,
                                   lease_until = now() + make_interval(secs => :lease)
                            FROM next WHERE t.id = next.id
                            RETURNING\s""" + Claimed.COLUMNS)
                    .param("provider", provider)
                    .param("batchProvider", batchProvider)
                    .param("active", JobStatus.names(JobStatus.ACTIVE))
                    .param("worker", worker)
                    .param("lease", lease.toMillis() / 1000.0)
                    .query(Claimed::read)
                    .optional();
            if (claimed.isEmpty()) {
                return claimed;
            }
            Claimed task = claimed.get();
            // Another replica may have claimed a task of the same job a moment ago, against the same headroom.
            if (overBudget(task.jobId())) {
                db.sql("UPDATE task SET status = 'PENDING', attempts = attempts - 1, leased_by = NULL, lease_until = NULL WHERE id = ?")
                        .param(task.id()).update();
                settle(task.jobId());
                return Optional.<Claimed>empty();
            }
            db.sql("UPDATE job SET status = 'RUNNING', started_at = coalesce(started_at, now()) WHERE id = ? AND status = 'QUEUED'")
                    .param(task.jobId()).update();
            return claimed;
        });
    }

    /**
     * Whether the job's running tasks (this claim included) could take it past its budget, by their estimates.
     * Locks the job row, so concurrent claims in other replicas wait for each other's reservations.
     */
    private boolean overBudget(UUID jobId) {
        var budget = db.sql("""
                        SELECT j.max_cost_usd IS NOT NULL AND j.cost_usd + r.cost > j.max_cost_usd
                            OR j.max_tokens IS NOT NULL AND j.prompt_tokens + j.completion_tokens + r.tokens > j.max_tokens
                        FROM job j,
                             LATERAL (SELECT coalesce(sum(est_cost_usd), 0) AS cost, coalesce(sum(est_tokens), 0) AS tokens
                                      FROM task WHERE job_id = j.id AND status = 'RUNNING' AND lease_until >= now()) r
                        WHERE j.id = ? AND (j.max_cost_usd IS NOT NULL OR j.max_tokens IS NOT NULL)
                        FOR UPDATE OF j""")
                .param(jobId).query(Boolean.class).optional();
        return budget.orElse(false);
    }

    /**
     * Marks a finished task done, stores what its answer gave ({@code store}: pairs, facts, verdicts, and the tasks that
     * follow from them) and adds its spend to the job: one transaction, so a crash at any point leaves either all of it
     * or none. Answers false when the lease was lost (nothing stored but the spend).
     */
    boolean complete(Claimed task, String worker, Spend spend, Runnable store) {
        return Boolean.TRUE.equals(transaction.execute(tx -> {
            lockChunk(task);
            int marked = db.sql("""
                            UPDATE task SET status = 'DONE', finished_at = now(), lease_until = NULL, last_error = NULL,
                                   """ + SPEND + """
                            WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                    .params(spendParams(spend))
                    .param("id", task.id()).param("worker", worker)
                    .update();
            if (marked > 0) {
                store.run();
            }
            // Last, so the job row (which every completion of the job updates) stays locked only until commit.
            addSpend(task.jobId(), spend);
            if (marked > 0) {
                settle(task.jobId());
            }
            return marked > 0;
        }));
    }

    /**
     * Serialises the calls of one chunk of one job as they complete or fail: a call's pairs are checked against the
     * chunk's earlier ones (near-duplicates), and whether a chunk's round is over is decided by one of them only.
     * Taken first in each of these transactions, before any row lock.
     */
    private void lockChunk(Claimed task) {
        db.sql("SELECT pg_advisory_xact_lock(hashtext(?::text), (? % 2147483647)::int)")
                .params(task.jobId(), task.chunkId()).query((rs, i) -> 1).list();
    }

    /** Puts a task back for another try after {@code delay}, or marks it failed when its attempts are used up. */
    void retryOrFail(Claimed task, String worker, String reason, Duration delay, int maxAttempts, Spend spend) {
        // Task row before job row, as everywhere, so concurrent writers cannot deadlock.
        transaction.executeWithoutResult(tx -> {
            if (task.attempt() >= maxAttempts) {
                lockChunk(task);
                boolean marked = markFailed(task, worker, reason + " (after " + task.attempt() + " attempts)", spend);
                if (marked) {
                    events.publishEvent(new TaskSettled(task));
                }
                addSpend(task.jobId(), spend);
                if (marked) {
                    settle(task.jobId());
                }
                return;
            }
            db.sql("""
                            UPDATE task SET status = 'PENDING', leased_by = NULL, lease_until = NULL, last_error = :reason,
                                   next_attempt_at = now() + make_interval(secs => :delay),
                                   """ + SPEND + """
                            WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                    .params(spendParams(spend))
                    .param("reason", reason).param("delay", delay.toMillis() / 1000.0)
                    .param("id", task.id()).param("worker", worker)
                    .update();
            addSpend(task.jobId(), spend);
            // The last call in flight may be this one, and what was spent since it was claimed may leave no room for
            // another try: then nothing else would ever settle the job.
            settle(task.jobId());
        });
    }

    /** A failure no retry can fix: the task fails, and with {@code wholeJob} the job stops (retry-failed resumes it). */
    void fail(Claimed task, String worker, String reason, boolean wholeJob) {
        transaction.executeWithoutResult(tx -> {
            lockChunk(task);
            boolean marked = markFailed(task, worker, reason, Spend.NONE);
            if (marked && !wholeJob) {
                events.publishEvent(new TaskSettled(task));
            }
            if (wholeJob) {
                db.sql("""
                                UPDATE job SET status = 'FAILED', error = ?, finished_at = now()
                                WHERE id = ? AND status = ANY(?)""")
                        .params(reason, task.jobId(), JobStatus.names(JobStatus.ACTIVE)).update();
            } else if (marked) {
                settle(task.jobId());
            }
        });
    }

    private boolean markFailed(Claimed task, String worker, String reason, Spend spend) {
        return db.sql("""
                        UPDATE task SET status = 'FAILED', finished_at = now(), leased_by = NULL, lease_until = NULL,
                               last_error = :reason,
                               """ + SPEND + """
                        WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                .params(spendParams(spend))
                .param("reason", reason)
                .param("id", task.id()).param("worker", worker)
                .update() > 0;
    }

    /** Hands this worker's running tasks back at once (on an orderly shutdown), instead of waiting for the lease. */
    void release(String worker) {
        db.sql("UPDATE task SET status = 'PENDING', leased_by = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0) "
                + "WHERE leased_by = ? AND status = 'RUNNING'").param(worker).update();
    }

    /** The task columns a call's spend adds to (named parameters from {@link #spendParams}). */
    private static final String SPEND = """
            prompt_tokens = prompt_tokens + :in, cached_prompt_tokens = cached_prompt_tokens + :cached,
            completion_tokens = completion_tokens + :out, cost_usd = cost_usd + :cost
            """;

    private static Map<String, Object> spendParams(Spend spend) {
        var cost = spend.cost();
        return Map.of("in", spend.promptTokens(), "cached", spend.cachedTokens(), "out", spend.completionTokens(),
                "cost", cost.total(), "input", cost.input(), "cachedInput", cost.cachedInput(), "output", cost.output(),
                "discount", cost.batchDiscount());
    }

    private void addSpend(UUID jobId, Spend spend) {
        db.sql("UPDATE job SET " + SPEND + """
                        , input_cost_usd = input_cost_usd + :input, cached_input_cost_usd = cached_input_cost_usd + :cachedInput,
                               output_cost_usd = output_cost_usd + :output, batch_discount_usd = batch_discount_usd + :discount
                        WHERE id = :job""")
                .params(spendParams(spend)).param("job", jobId)
                .update();
    }

    /** A sign of life for this worker's calls in flight: their leases run from now again. */
    void renew(String worker, Collection<Long> taskIds, Duration lease) {
        leases.renew(TASKS, taskIds, lease, "leased_by = :worker AND status = 'RUNNING'", Map.of("worker", worker));
    }

    /**
     * Ends a job once nothing of it is pending or running; or, with pending tasks, none running and none that the budget
     * can take, as {@code BUDGET_EXHAUSTED} (the same test a claim makes, so a job never waits for a claim that cannot
     * come). Call inside a transaction that holds the job row.
     */
    public void settle(UUID jobId) {
        // Cheap and usually true while a job runs: running tasks hold the lowest ids of the claimable index.
        if (db.sql("SELECT EXISTS (SELECT 1 FROM task WHERE job_id = ? AND status = 'RUNNING')").param(jobId).query(Boolean.class).single()) {
            return;
        }
        Optional<String> ended = db.sql("""
                        UPDATE job j SET finished_at = now(), status = CASE
                                WHEN c.pending > 0 THEN 'BUDGET_EXHAUSTED'
                                WHEN c.failed = 0 THEN 'SUCCEEDED'
                                WHEN c.done = 0 THEN 'FAILED'
                                ELSE 'COMPLETED_WITH_ERRORS' END
                        FROM (SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending,
                                     count(*) FILTER (WHERE status = 'RUNNING') AS running,
                                     count(*) FILTER (WHERE status = 'FAILED') AS failed,
                                     count(*) FILTER (WHERE status = 'DONE') AS done
                              FROM task WHERE job_id = :job) c
                        WHERE j.id = :job AND j.status = ANY(:active) AND c.running = 0
                          AND (c.pending = 0 OR NOT EXISTS (
                                SELECT 1 FROM task t WHERE t.job_id = j.id AND t.status = 'PENDING'
                                  AND (j.max_cost_usd IS NULL OR j.cost_usd + t.est_cost_usd <= j.max_cost_usd)
                                  AND (j.max_tokens IS NULL OR j.prompt_tokens + j.completion_tokens + t.est_tokens <= j.max_tokens)))
                        RETURNING j.status""")
                .param("job", jobId).param("active", JobStatus.names(JobStatus.ACTIVE))
                .query(String.class).optional();
        ended.ifPresent(status -> events.publishEvent(new JobEnded(jobId, JobStatus.valueOf(status))));
    }
}
