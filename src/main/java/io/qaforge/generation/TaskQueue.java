package io.qaforge.generation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The durable work queue: tasks in PostgreSQL, claimed with {@code FOR UPDATE SKIP LOCKED} and a lease, so any number
 * of workers in any number of replicas share jobs without double work. Every write after a call is guarded by
 * {@code leased_by = me AND status = 'RUNNING'}: a worker whose lease expired (and whose task another worker took)
 * cannot store its result a second time.
 */
@Component
class TaskQueue {

    record Claimed(long id, UUID jobId, long chunkId, BigDecimal temperature, String variant, int questions,
                   int estTokens, int attempt) {
    }

    private final JdbcClient db;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;

    TaskQueue(JdbcClient db, JdbcTemplate jdbc, TransactionTemplate transaction) {
        this.db = db;
        this.jdbc = jdbc;
        this.transaction = transaction;
    }

    /**
     * Claims the oldest runnable task of any runnable job on this provider, unless the job's budget cannot take its
     * estimated cost on top of what is spent and reserved by running tasks (then the claim is undone).
     */
    Optional<Claimed> claim(String provider, String worker, Duration lease) {
        return transaction.execute(tx -> {
            Optional<Claimed> claimed = db.sql("""
                            WITH next AS (
                                SELECT t.id FROM task t JOIN job j ON j.id = t.job_id
                                WHERE j.provider = :provider AND j.status IN ('QUEUED', 'RUNNING')
                                  AND (t.status = 'PENDING' OR (t.status = 'RUNNING' AND t.lease_until < now()))
                                  AND t.next_attempt_at <= now()
                                ORDER BY t.id
                                LIMIT 1
                                FOR UPDATE OF t SKIP LOCKED)
                            UPDATE task t SET status = 'RUNNING', attempts = t.attempts + 1, leased_by = :worker,
                                   lease_until = now() + make_interval(secs => :lease)
                            FROM next WHERE t.id = next.id
                            RETURNING t.id, t.job_id, t.chunk_id, t.temperature, t.variant, t.questions, t.est_tokens, t.attempts""")
                    .param("provider", provider)
                    .param("worker", worker)
                    .param("lease", lease.toMillis() / 1000.0)
                    .query((rs, i) -> new Claimed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getLong(3), rs.getBigDecimal(4),
                            rs.getString(5), rs.getInt(6), rs.getInt(7), rs.getInt(8)))
                    .optional();
            if (claimed.isEmpty()) {
                return claimed;
            }
            Claimed task = claimed.get();
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
     * Locks the job row, so concurrent claims in other replicas see each other's reservations.
     */
    private boolean overBudget(UUID jobId) {
        var budget = db.sql("""
                        SELECT j.max_cost_usd IS NOT NULL AND j.cost_usd + r.cost > j.max_cost_usd
                            OR j.max_tokens IS NOT NULL AND j.prompt_tokens + j.completion_tokens + r.tokens > j.max_tokens
                        FROM job j,
                             LATERAL (SELECT coalesce(sum(est_cost_usd), 0) AS cost, coalesce(sum(est_tokens), 0) AS tokens
                                      FROM task WHERE job_id = j.id AND status = 'RUNNING') r
                        WHERE j.id = ? AND (j.max_cost_usd IS NOT NULL OR j.max_tokens IS NOT NULL)
                        FOR UPDATE OF j""")
                .param(jobId).query(Boolean.class).optional();
        return budget.orElse(false);
    }

    /**
     * Stores a finished task's pairs, marks it done and adds its spend to the job: one transaction, so a crash at
     * any point leaves either all of it or none. Answers false when the lease was lost (nothing stored but the spend).
     */
    boolean complete(Claimed task, String worker, String model, long seed, Splits.By splitBy, double testFraction,
                     List<PairParser.Pair> pairs, int promptTokens, int completionTokens, BigDecimal cost) {
        return Boolean.TRUE.equals(transaction.execute(tx -> {
            int marked = db.sql("""
                            UPDATE task SET status = 'DONE', finished_at = now(), lease_until = NULL, last_error = NULL,
                                   prompt_tokens = prompt_tokens + :in, completion_tokens = completion_tokens + :out,
                                   cost_usd = cost_usd + :cost
                            WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                    .param("in", promptTokens).param("out", completionTokens).param("cost", cost)
                    .param("id", task.id()).param("worker", worker)
                    .update();
            if (marked > 0) {
                insertPairs(task, model, seed, splitBy, testFraction, pairs);
            }
            // Last, so the job row (which every completion of the job updates) stays locked only until commit.
            addSpend(task.jobId(), promptTokens, completionTokens, cost);
            if (marked > 0) {
                settle(task.jobId());
            }
            return marked > 0;
        }));
    }

    private static final String INSERT_PAIR = """
            INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model,
                                 attempt, split, rejected_reason, dedupe_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /**
     * Accepted pairs go in first, in dedupe-key order (so two tasks racing on the same pairs wait on each other in
     * the same order and cannot deadlock); the unique index lets only one copy per job in, the others are stored as
     * duplicates. Rejected pairs are stored too, with their reason.
     */
    private void insertPairs(Claimed task, String model, long seed, Splits.By splitBy, double testFraction,
                             List<PairParser.Pair> pairs) {
        List<Long> ids = ids("qa_pair_seq", pairs.size());
        List<Object[]> candidates = new ArrayList<>();
        List<Object[]> rejected = new ArrayList<>();
        Set<Long> keys = new HashSet<>();
        for (int i = 0; i < pairs.size(); i++) {
            PairParser.Pair pair = pairs.get(i);
            long key = PairFilter.dedupeKey(pair);
            String reason = PairFilter.rejectReason(pair);
            if (reason == null && !keys.add(key)) {
                reason = "duplicate";
            }
            Object[] row = {ids.get(i), task.jobId(), task.id(), task.chunkId(), i, pair.question(), pair.answer(),
                    task.temperature(), task.variant(), model, task.attempt(),
                    Splits.assign(seed, splitBy, task.chunkId(), key, testFraction), reason, key};
            (reason == null ? candidates : rejected).add(row);
        }
        candidates.sort(java.util.Comparator.comparingLong(row -> (Long) row[13]));
        int[] inserted = jdbc.batchUpdate(INSERT_PAIR + " ON CONFLICT (job_id, dedupe_key) WHERE rejected_reason IS NULL DO NOTHING",
                candidates);
        for (int i = 0; i < inserted.length; i++) {
            if (inserted[i] == 0) {
                Object[] row = candidates.get(i);
                row[12] = "duplicate";
                rejected.add(row);
            }
        }
        jdbc.batchUpdate(INSERT_PAIR, rejected);
    }

    /** Puts a task back for another try after {@code delay}, or marks it failed when its attempts are used up. */
    void retryOrFail(Claimed task, String worker, String reason, Duration delay, int maxAttempts,
                     int promptTokens, int completionTokens, BigDecimal cost) {
        // Task row before job row, as everywhere, so concurrent writers cannot deadlock.
        transaction.executeWithoutResult(tx -> {
            if (task.attempt() >= maxAttempts) {
                boolean marked = markFailed(task, worker, reason + " (after " + task.attempt() + " attempts)", promptTokens, completionTokens, cost);
                addSpend(task.jobId(), promptTokens, completionTokens, cost);
                if (marked) {
                    settle(task.jobId());
                }
                return;
            }
            db.sql("""
                            UPDATE task SET status = 'PENDING', leased_by = NULL, lease_until = NULL, last_error = :reason,
                                   next_attempt_at = now() + make_interval(secs => :delay),
                                   prompt_tokens = prompt_tokens + :in, completion_tokens = completion_tokens + :out,
                                   cost_usd = cost_usd + :cost
                            WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                    .param("reason", reason).param("delay", delay.toMillis() / 1000.0)
                    .param("in", promptTokens).param("out", completionTokens).param("cost", cost)
                    .param("id", task.id()).param("worker", worker)
                    .update();
            addSpend(task.jobId(), promptTokens, completionTokens, cost);
        });
    }

    /** A failure no retry can fix: the task fails, and with {@code wholeJob} the job stops (retry-failed resumes it). */
    void fail(Claimed task, String worker, String reason, boolean wholeJob) {
        transaction.executeWithoutResult(tx -> {
            boolean marked = markFailed(task, worker, reason, 0, 0, BigDecimal.ZERO);
            if (wholeJob) {
                db.sql("""
                                UPDATE job SET status = 'FAILED', error = ?, finished_at = now()
                                WHERE id = ? AND status IN ('QUEUED', 'RUNNING')""")
                        .param(reason).param(task.jobId()).update();
            } else if (marked) {
                settle(task.jobId());
            }
        });
    }

    private boolean markFailed(Claimed task, String worker, String reason, int promptTokens, int completionTokens, BigDecimal cost) {
        return db.sql("""
                        UPDATE task SET status = 'FAILED', finished_at = now(), leased_by = NULL, lease_until = NULL,
                               last_error = :reason, prompt_tokens = prompt_tokens + :in,
                               completion_tokens = completion_tokens + :out, cost_usd = cost_usd + :cost
                        WHERE id = :id AND leased_by = :worker AND status = 'RUNNING'""")
                .param("reason", reason).param("in", promptTokens).param("out", completionTokens).param("cost", cost)
                .param("id", task.id()).param("worker", worker)
                .update() > 0;
    }

    /** Hands this worker's running tasks back at once (on an orderly shutdown), instead of waiting for the lease. */
    void release(String worker) {
        db.sql("UPDATE task SET status = 'PENDING', leased_by = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0) "
                + "WHERE leased_by = ? AND status = 'RUNNING'").param(worker).update();
    }

    private void addSpend(UUID jobId, int promptTokens, int completionTokens, BigDecimal cost) {
        db.sql("""
                        UPDATE job SET prompt_tokens = prompt_tokens + :in, completion_tokens = completion_tokens + :out,
                               cost_usd = cost_usd + :cost
                        WHERE id = :job""")
                .param("in", promptTokens).param("out", completionTokens).param("cost", cost).param("job", jobId)
                .update();
    }

    /**
     * Ends a job once nothing of it is pending or running; or, with pending tasks, none running and a budget that
     * cannot take the next one, as {@code BUDGET_EXHAUSTED}. Call inside a transaction that holds the job row.
     */
    void settle(UUID jobId) {
        // Cheap and usually true while a job runs: running tasks hold the lowest ids of the claimable index.
        if (db.sql("SELECT EXISTS (SELECT 1 FROM task WHERE job_id = ? AND status = 'RUNNING')").param(jobId).query(Boolean.class).single()) {
            return;
        }
        db.sql("""
                        UPDATE job j SET finished_at = now(), status = CASE
                                WHEN c.pending > 0 THEN 'BUDGET_EXHAUSTED'
                                WHEN c.failed = 0 THEN 'SUCCEEDED'
                                WHEN c.done = 0 THEN 'FAILED'
                                ELSE 'COMPLETED_WITH_ERRORS' END
                        FROM (SELECT count(*) FILTER (WHERE status = 'PENDING') AS pending,
                                     count(*) FILTER (WHERE status = 'RUNNING') AS running,
                                     count(*) FILTER (WHERE status = 'FAILED') AS failed,
                                     count(*) FILTER (WHERE status = 'DONE') AS done,
                                     (SELECT min(est_cost_usd) FROM task WHERE job_id = :job AND status = 'PENDING') AS next_cost,
                                     (SELECT min(est_tokens) FROM task WHERE job_id = :job AND status = 'PENDING') AS next_tokens
                              FROM task WHERE job_id = :job) c
                        WHERE j.id = :job AND j.status IN ('QUEUED', 'RUNNING') AND c.running = 0
                          AND (c.pending = 0
                               OR j.max_cost_usd IS NOT NULL AND j.cost_usd + c.next_cost > j.max_cost_usd
                               OR j.max_tokens IS NOT NULL AND j.prompt_tokens + j.completion_tokens + c.next_tokens > j.max_tokens)""")
                .param("job", jobId)
                .update();
    }

    /** Ids in the blocks that the sequence hands out (50 per value), as Hibernate's pooled optimizer uses them. */
    List<Long> ids(String sequence, int count) {
        List<Long> ids = new ArrayList<>(count);
        if (count == 0) {
            return ids;
        }
        List<Long> highs = db.sql("SELECT nextval('" + sequence + "') FROM generate_series(1, ?)")
                .param((count + 49) / 50).query(Long.class).list();
        for (long high : highs) {
            for (long id = high - 49; id <= high && ids.size() < count; id++) {
                ids.add(id);
            }
        }
        return ids;
    }
}
