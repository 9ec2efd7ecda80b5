package io.qaforge.generation;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Jobs and their pairs in SQL. Plain JDBC rather than JPA: the counters are bumped by concurrent workers with
 * {@code UPDATE ... SET x = x + ?}, which an entity saved back would silently overwrite.
 */
@Component
class JobStore {

    /** What the engine needs to run a job's tasks; fixed at creation. */
    record Spec(UUID id, String provider, String model, String context, JobPlanner.Params params) {
    }

    record TaskCounts(long total, long done, long failed, long pending, long running, long cancelled) {
    }

    record View(UUID id, JobStatus status, String provider, String model, String context, JobPlanner.Estimate estimate,
                TaskCounts tasks, long pairsAccepted, Map<String, Long> rejects, long promptTokens, long completionTokens,
                BigDecimal costUsd, BigDecimal maxCostUsd, Long maxTokens, String error, Instant createdAt, Instant startedAt,
                Instant finishedAt, Long elapsedSeconds, Long etaSeconds, JobPlanner.Params params) {
    }

    record PairView(long id, long taskId, UUID documentId, long chunkId, int chunkOrdinal, int pageFrom, int pageTo, int ordinal,
                    String question, String answer, BigDecimal temperature, String variant, String model, int attempt,
                    String split, String rejectedReason) {
    }

    record PairQuery(String split, BigDecimal temperature, String variant, Long chunkId, Boolean rejected) {
    }

    private final JdbcClient db;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transaction;
    private final TaskQueue queue;
    private final ObjectMapper json;

    JobStore(JdbcClient db, JdbcTemplate jdbc, TransactionTemplate transaction, TaskQueue queue, ObjectMapper json) {
        this.db = db;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.queue = queue;
        this.json = json;
    }

    /** The job, its documents and all its tasks in one transaction: a job exists whole or not at all. */
    UUID create(JobPlanner.Plan plan) {
        UUID id = UUID.randomUUID();
        JobRequest request = plan.request();
        transaction.executeWithoutResult(tx -> {
            db.sql("""
                            INSERT INTO job (id, status, provider, model, context, params, estimate, max_cost_usd, max_tokens)
                            VALUES (?, 'QUEUED', ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?)""")
                    .params(id, request.provider(), request.model(), request.context(), write(plan.params()), write(plan.estimate()),
                            request.maxCostUsd(), request.maxTokens())
                    .update();
            jdbc.batchUpdate("INSERT INTO job_document (job_id, document_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    request.documentIds().stream().map(doc -> new Object[]{id, doc}).toList());
            List<Long> ids = queue.ids("task_seq", plan.tasks().size());
            List<Object[]> rows = new ArrayList<>(plan.tasks().size());
            for (int i = 0; i < plan.tasks().size(); i++) {
                JobPlanner.PlannedTask task = plan.tasks().get(i);
                rows.add(new Object[]{ids.get(i), id, task.chunkId(), task.temperature(), task.variant(), task.questions(),
                        task.estTokens(), task.estCost()});
            }
            jdbc.batchUpdate("""
                    INSERT INTO task (id, job_id, chunk_id, temperature, variant, status, questions, est_tokens, est_cost_usd)
                    VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)""", rows);
        });
        return id;
    }

    Optional<Spec> spec(UUID id) {
        return db.sql("SELECT id, provider, model, context, params FROM job WHERE id = ?").param(id)
                .query((rs, i) -> new Spec(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        read(rs.getString(5), JobPlanner.Params.class)))
                .optional();
    }

    Optional<JobStatus> status(UUID id) {
        return db.sql("SELECT status FROM job WHERE id = ?").param(id).query((rs, i) -> JobStatus.valueOf(rs.getString(1))).optional();
    }

    Optional<View> view(UUID id) {
        return db.sql("SELECT * FROM job WHERE id = ?").param(id).query((rs, i) -> view(rs)).optional();
    }

    /** Newest first. */
    Page<View> list(Pageable pageable) {
        long total = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        List<View> content = db.sql("SELECT * FROM job ORDER BY created_at DESC, id LIMIT ? OFFSET ?")
                .params(pageable.getPageSize(), pageable.getOffset())
                .query((rs, i) -> view(rs)).list();
        return new PageImpl<>(content, pageable, total);
    }

    private View view(ResultSet rs) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        Map<String, Long> byStatus = new LinkedHashMap<>();
        db.sql("SELECT status, count(*) FROM task WHERE job_id = ? GROUP BY status").param(id)
                .query(r -> {
                    byStatus.put(r.getString(1), r.getLong(2));
                });
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        var tasks = new TaskCounts(total, byStatus.getOrDefault("DONE", 0L), byStatus.getOrDefault("FAILED", 0L),
                byStatus.getOrDefault("PENDING", 0L), byStatus.getOrDefault("RUNNING", 0L), byStatus.getOrDefault("CANCELLED", 0L));
        Map<String, Long> rejects = new LinkedHashMap<>();
        long[] accepted = {0};
        db.sql("SELECT rejected_reason, count(*) FROM qa_pair WHERE job_id = ? GROUP BY rejected_reason ORDER BY 2 DESC").param(id)
                .query(r -> {
                    if (r.getString(1) == null) {
                        accepted[0] = r.getLong(2);
                    } else {
                        rejects.put(r.getString(1), r.getLong(2));
                    }
                });
        JobStatus status = JobStatus.valueOf(rs.getString("status"));
        Instant created = instant(rs.getTimestamp("created_at"));
        Instant started = instant(rs.getTimestamp("started_at"));
        Instant finished = instant(rs.getTimestamp("finished_at"));
        Long elapsed = started == null ? null : Duration.between(started, finished != null ? finished : Instant.now()).toSeconds();
        return new View(id, status, rs.getString("provider"), rs.getString("model"), rs.getString("context"),
                read(rs.getString("estimate"), JobPlanner.Estimate.class), tasks, accepted[0], rejects,
                rs.getLong("prompt_tokens"), rs.getLong("completion_tokens"), rs.getBigDecimal("cost_usd"),
                rs.getBigDecimal("max_cost_usd"), (Long) rs.getObject("max_tokens", Long.class), rs.getString("error"),
                created, started, finished, elapsed, status.terminal() ? null : eta(id, tasks), read(rs.getString("params"), JobPlanner.Params.class));
    }

    /** Remaining tasks at the pace of the last minute (or of the whole run, if the last minute finished nothing). */
    private Long eta(UUID id, TaskCounts tasks) {
        long remaining = tasks.pending() + tasks.running();
        if (remaining == 0) {
            return 0L;
        }
        var pace = db.sql("""
                        SELECT count(*) FILTER (WHERE t.finished_at > now() - interval '60 seconds'),
                               count(*), extract(epoch FROM max(t.finished_at) - min(j.started_at))
                        FROM task t JOIN job j ON j.id = t.job_id
                        WHERE t.job_id = ? AND t.status IN ('DONE', 'FAILED')""")
                .param(id).query((rs, i) -> new double[]{rs.getLong(1), rs.getLong(2), rs.getDouble(3)}).single();
        double perSecond = pace[0] > 0 ? pace[0] / 60.0 : pace[2] > 0 ? pace[1] / pace[2] : 0;
        return perSecond > 0 ? Math.round(remaining / perSecond) : null;
    }

    /** Stops a job: its pending and running tasks are cancelled; results of calls in flight are not stored. */
    boolean cancel(UUID id) {
        return Boolean.TRUE.equals(transaction.execute(tx -> {
            if (status(id).filter(JobStatus::terminal).filter(s -> s != JobStatus.BUDGET_EXHAUSTED).isPresent()) {
                return false;
            }
            // Task rows before the job row, the order every writer takes them in.
            db.sql("UPDATE task SET status = 'CANCELLED', leased_by = NULL, lease_until = NULL "
                    + "WHERE job_id = ? AND status IN ('PENDING', 'RUNNING')").param(id).update();
            return db.sql("""
                            UPDATE job SET status = 'CANCELLED', finished_at = now()
                            WHERE id = ? AND status NOT IN ('SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED')""")
                    .param(id).update() > 0;
        }));
    }

    /** Failed tasks get fresh attempts and the job queues again; answers how many tasks were reset. */
    int retryFailed(UUID id) {
        return transaction.execute(tx -> {
            int reset = db.sql("""
                            UPDATE task SET status = 'PENDING', attempts = 0, next_attempt_at = now(), finished_at = NULL
                            WHERE job_id = ? AND status = 'FAILED'""")
                    .param(id).update();
            requeue(id);
            return reset;
        });
    }

    /** Sets a new budget (null leaves a limit as it is) and queues the job again. */
    void resume(UUID id, BigDecimal maxCostUsd, Long maxTokens) {
        transaction.executeWithoutResult(tx -> {
            db.sql("UPDATE job SET max_cost_usd = coalesce(?, max_cost_usd), max_tokens = coalesce(?, max_tokens) WHERE id = ?")
                    .params(maxCostUsd, maxTokens, id).update();
            requeue(id);
        });
    }

    private void requeue(UUID id) {
        db.sql("""
                        UPDATE job SET status = 'QUEUED', finished_at = NULL, error = NULL
                        WHERE id = ? AND status IN ('COMPLETED_WITH_ERRORS', 'FAILED', 'BUDGET_EXHAUSTED')
                          AND EXISTS (SELECT 1 FROM task WHERE job_id = ? AND status = 'PENDING')""")
                .params(id, id).update();
        queue.settle(id);
    }

    Page<PairView> pairs(UUID jobId, PairQuery filter, Pageable pageable) {
        StringBuilder where = new StringBuilder(" WHERE p.job_id = :job");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("job", jobId);
        if (filter.split() != null) {
            where.append(" AND p.split = :split");
            params.put("split", filter.split());
        }
        if (filter.temperature() != null) {
            where.append(" AND p.temperature = :temperature");
            params.put("temperature", filter.temperature());
        }
        if (filter.variant() != null) {
            where.append(" AND p.variant = :variant");
            params.put("variant", filter.variant());
        }
        if (filter.chunkId() != null) {
            where.append(" AND p.chunk_id = :chunk");
            params.put("chunk", filter.chunkId());
        }
        if (filter.rejected() != null) {
            where.append(filter.rejected() ? " AND p.rejected_reason IS NOT NULL" : " AND p.rejected_reason IS NULL");
        }
        long total = db.sql("SELECT count(*) FROM qa_pair p" + where).params(params).query(Long.class).single();
        List<PairView> content = db.sql("""
                        SELECT p.id, p.task_id, c.document_id, p.chunk_id, c.ordinal, c.page_from, c.page_to, p.ordinal, p.question,
                               p.answer, p.temperature, p.variant, p.model, p.attempt, p.split, p.rejected_reason
                        FROM qa_pair p JOIN chunk c ON c.id = p.chunk_id""" + where
                        + " ORDER BY p.chunk_id, p.task_id, p.ordinal LIMIT :limit OFFSET :offset")
                .params(params).param("limit", pageable.getPageSize()).param("offset", pageable.getOffset())
                .query((rs, i) -> new PairView(rs.getLong(1), rs.getLong(2), rs.getObject(3, UUID.class), rs.getLong(4), rs.getInt(5),
                        rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getString(9), rs.getString(10), rs.getBigDecimal(11),
                        rs.getString(12), rs.getString(13), rs.getInt(14), rs.getString(15), rs.getString(16)))
                .list();
        return new PageImpl<>(content, pageable, total);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String value, Class<T> type) {
        try {
            return json.readValue(value, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
