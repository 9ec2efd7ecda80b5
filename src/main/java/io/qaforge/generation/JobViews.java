package io.qaforge.generation;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.data.support.PageableExecutionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What users see of jobs and their pairs. Each view is one statement, whether of one job or a page of them: a request
 * holds one pooled connection at a time, so any number of concurrent views cannot starve the pool (or the engine).
 */
@Component
class JobViews {

    record TaskCounts(long total, long done, long failed, long pending, long running, long cancelled) {
    }

    record View(UUID id, JobStatus status, String provider, String model, String context, JobPlanner.Estimate estimate,
                TaskCounts tasks, long pairsAccepted, Map<String, Long> rejects, long promptTokens, long completionTokens,
                BigDecimal costUsd, BigDecimal maxCostUsd, Long maxTokens, String error, Instant createdAt, Instant startedAt,
                Instant finishedAt, Long elapsedSeconds, Long etaSeconds, JobPlanner.Params params,
                long cachedPromptTokens, GenerationProperties.Cost costSplitUsd) {

        /** Whether a progress stream should tell its subscribers about {@code next}. */
        boolean progressedTo(View next) {
            return status != next.status || !tasks.equals(next.tasks) || pairsAccepted != next.pairsAccepted
                    || completionTokens != next.completionTokens;
        }
    }

    record PairView(long id, long taskId, UUID documentId, long chunkId, int chunkOrdinal, int pageFrom, int pageTo, int ordinal,
                    String question, String answer, BigDecimal temperature, String variant, String model, int attempt,
                    String split, String rejectedReason) {
    }

    record PairQuery(String split, BigDecimal temperature, String variant, Long chunkId, Boolean rejected) {
    }

    /**
     * The job rows with their task counts, the pace of the last minute (for the ETA) and pairs by reject reason, each
     * aggregated per job in a lateral subquery; {@code %s} is the condition and order that pick the jobs.
     */
    private static final String VIEWS = """
            SELECT j.id, j.status, j.provider, j.model, j.context, j.estimate, j.params, j.prompt_tokens, j.completion_tokens,
                   j.cost_usd, j.max_cost_usd, j.max_tokens, j.error, j.created_at, j.started_at, j.finished_at,
                   j.cached_prompt_tokens, j.input_cost_usd, j.cached_input_cost_usd, j.output_cost_usd, j.batch_discount_usd,
                   t.total, t.done, t.failed, t.pending, t.running, t.cancelled, t.last_minute, t.finished,
                   extract(epoch FROM t.last_finished - j.started_at) AS finishing_seconds,
                   coalesce(p.accepted, 0) AS accepted, p.rejects
            FROM job j
            CROSS JOIN LATERAL (
                SELECT count(*) AS total,
                       count(*) FILTER (WHERE status = 'DONE') AS done,
                       count(*) FILTER (WHERE status = 'FAILED') AS failed,
                       count(*) FILTER (WHERE status = 'PENDING') AS pending,
                       count(*) FILTER (WHERE status = 'RUNNING') AS running,
                       count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
                       count(*) FILTER (WHERE status IN ('DONE', 'FAILED') AND finished_at > now() - interval '60 seconds') AS last_minute,
                       count(*) FILTER (WHERE status IN ('DONE', 'FAILED')) AS finished,
                       max(finished_at) FILTER (WHERE status IN ('DONE', 'FAILED')) AS last_finished
                FROM task WHERE job_id = j.id) t
            CROSS JOIN LATERAL (
                SELECT sum(n) FILTER (WHERE reason IS NULL) AS accepted,
                       json_object_agg(reason, n ORDER BY n DESC, reason) FILTER (WHERE reason IS NOT NULL) AS rejects
                FROM (SELECT rejected_reason AS reason, count(*) AS n FROM qa_pair WHERE job_id = j.id GROUP BY rejected_reason) r) p
            %s""";

    private static final TypeReference<LinkedHashMap<String, Long>> REJECTS = new TypeReference<>() {
    };

    private final JdbcClient db;
    private final ObjectMapper json;

    JobViews(JdbcClient db, ObjectMapper json) {
        this.db = db;
        this.json = json;
    }

    Optional<View> view(UUID id) {
        return db.sql(VIEWS.formatted("WHERE j.id = ?")).param(id).query(this::toView).optional();
    }

    List<View> views(Collection<UUID> ids) {
        return db.sql(VIEWS.formatted("WHERE j.id = ANY(?::uuid[])")).param(Jobs.array(ids)).query(this::toView).list();
    }

    /** Newest first. */
    Page<View> list(Pageable pageable) {
        List<View> content = db.sql(VIEWS.formatted("ORDER BY j.created_at DESC, j.id LIMIT ? OFFSET ?"))
                .params(pageable.getPageSize(), pageable.getOffset())
                .query(this::toView).list();
        return PageableExecutionUtils.getPage(content, pageable, () -> db.sql("SELECT count(*) FROM job").query(Long.class).single());
    }

    private View toView(ResultSet rs, int row) throws SQLException {
        var tasks = new TaskCounts(rs.getLong("total"), rs.getLong("done"), rs.getLong("failed"), rs.getLong("pending"),
                rs.getLong("running"), rs.getLong("cancelled"));
        JobStatus status = JobStatus.valueOf(rs.getString("status"));
        Instant started = instant(rs.getTimestamp("started_at"));
        Instant finished = instant(rs.getTimestamp("finished_at"));
        Long elapsed = started == null ? null : Duration.between(started, finished != null ? finished : Instant.now()).toSeconds();
        String rejects = rs.getString("rejects");
        return new View(rs.getObject("id", UUID.class), status, rs.getString("provider"), rs.getString("model"),
                rs.getString("context"), read(rs.getString("estimate"), JobPlanner.Estimate.class), tasks, rs.getLong("accepted"),
                rejects == null ? new LinkedHashMap<>() : read(rejects, REJECTS), rs.getLong("prompt_tokens"),
                rs.getLong("completion_tokens"), rs.getBigDecimal("cost_usd"), rs.getBigDecimal("max_cost_usd"),
                rs.getObject("max_tokens", Long.class), rs.getString("error"), instant(rs.getTimestamp("created_at")), started,
                finished, elapsed, status.terminal() ? null : eta(tasks, rs.getLong("last_minute"), rs.getLong("finished"),
                rs.getDouble("finishing_seconds")), read(rs.getString("params"), JobPlanner.Params.class),
                rs.getLong("cached_prompt_tokens"), new GenerationProperties.Cost(rs.getBigDecimal("input_cost_usd"),
                rs.getBigDecimal("cached_input_cost_usd"), rs.getBigDecimal("output_cost_usd"), rs.getBigDecimal("batch_discount_usd")));
    }

    /** Remaining tasks at the pace of the last minute (or of the whole run, if the last minute finished nothing). */
    private static Long eta(TaskCounts tasks, long lastMinute, long finished, double finishingSeconds) {
        long remaining = tasks.pending() + tasks.running();
        if (remaining == 0) {
            return 0L;
        }
        double perSecond = lastMinute > 0 ? lastMinute / 60.0 : finishingSeconds > 0 ? finished / finishingSeconds : 0;
        return perSecond > 0 ? Math.round(remaining / perSecond) : null;
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
                        FROM qa_pair p JOIN chunk_location c ON c.chunk_id = p.chunk_id""" + where
                        + " ORDER BY p.chunk_id, p.task_id, p.ordinal LIMIT :limit OFFSET :offset")
                .params(params).param("limit", pageable.getPageSize()).param("offset", pageable.getOffset())
                .query((rs, i) -> new PairView(rs.getLong(1), rs.getLong(2), rs.getObject(3, UUID.class), rs.getLong(4), rs.getInt(5),
                        rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getString(9), rs.getString(10), rs.getBigDecimal(11),
                        rs.getString(12), rs.getString(13), rs.getInt(14), rs.getString(15), rs.getString(16)))
                .list();
        return new PageImpl<>(content, pageable, total);
    }

    private <T> T read(String value, Class<T> type) {
        try {
            return json.readValue(value, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String value, TypeReference<T> type) {
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
