package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.math.RoundingMode;
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

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.Pageable;
import org.springframework.data.support.PageableExecutionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.Diversity;
import io.qaforge.generation.Estimate;
import io.qaforge.generation.JobStatus;
import io.qaforge.generation.Jobs;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.ExamSplit;
import io.qaforge.system.Ids;

/**
 * What users see of jobs and their pairs. Each view is one statement, whether of one job or a page of them: a request
 * holds one pooled connection at a time, so any number of concurrent views cannot starve the pool (or the engine).
 */
@Component
public class JobViews {

    record TaskCounts(long total, long done, long failed, long pending, long running, long cancelled) {
    }

    /**
     * @param strategy       {@code facts} or {@code recipe}
     * @param pairsJudging   pairs that passed the gate and await the judge's verdict (not yet accepted)
     * @param judge          the judge's verdicts so far; null where the job has no judge
     * @param coverage       a fact job's facts and how many reached the target; null for recipe jobs
     * @param leaksRemoved   train pairs rejected as near-duplicates of a test question ({@code test_leak})
     * @param parentJobId    the job a remediation job tops up
     * @param mode           {@code sync} or {@code batch}
     * @param batches        a batch-mode job's batches, oldest first
     * @param failures       why its failed tasks failed: the most common reasons, with how many tasks each
     * @param study          its study passages; null where the job writes none
     * @param diversity      how varied its accepted text is, measured when it ended; null before
     * @param projectedCostUsd what it will have cost when it ends: spent so far, plus its pending tasks and the calls of
     *                       its estimate not yet queued (top-ups, a fact job's pairs) at the rates its finished calls
     *                       actually cost per estimated dollar; the cost spent once it has ended
     */
    public record View(UUID id, JobStatus status, String strategy, String provider, String model, String context, Estimate estimate,
                TaskCounts tasks, long pairsAccepted, long pairsJudging, Map<String, Long> rejects, JudgeCounts judge,
                CoverageView coverage, long leaksRemoved, long promptTokens, long completionTokens,
                BigDecimal costUsd, BigDecimal maxCostUsd, Long maxTokens, String error, Instant createdAt, Instant startedAt,
                Instant finishedAt, Long elapsedSeconds, Long etaSeconds, UUID parentJobId, JobParams params,
                long cachedPromptTokens, GenerationProperties.Cost costSplitUsd, String mode, List<BatchView> batches,
                List<Failure> failures, StudyView study, Diversity.Figures diversity, BigDecimal projectedCostUsd) {

        /** Whether a progress stream should tell its subscribers about {@code next}. */
        boolean progressedTo(View next) {
            return status != next.status || !tasks.equals(next.tasks) || pairsAccepted != next.pairsAccepted
                    || pairsJudging != next.pairsJudging || completionTokens != next.completionTokens
                    || !batches.equals(next.batches);
        }
    }

    /**
     * One batch of a batch-mode job as the provider last reported it.
     *
     * @param status    {@code preparing} until the provider takes it, then the provider's: {@code validating},
     *                  {@code in_progress}, {@code finalizing}, {@code completed}, {@code failed}, {@code expired},
     *                  {@code cancelled}; {@code abandoned} when its submission was cut off
     * @param settled   every request of it has its outcome stored (answers kept, failures sent back to the queue)
     */
    record BatchView(String id, String status, int total, int completed, int failed, String error, Instant createdAt,
                     Instant completedAt, boolean settled) {
    }

    /**
     * @param accepted     passages that passed the gate and the judge
     * @param judging      passages that passed the gate and await the judge
     * @param rejects      rejected passages by reason
     * @param faithfulness the mean share of claims the chunk supports, over the passages the judge graded; null before
     * @param calls        study calls and their judges' calls so far, and what they cost
     */
    record StudyView(long accepted, long judging, Map<String, Long> rejects, Double faithfulness, long calls, BigDecimal costUsd) {
    }

    /** @param reason the last error of these tasks, as the engine recorded it when it gave up on them */
    record Failure(String reason, long tasks) {
    }

    /**
     * @param passRate   passed over passed and failed; null before the first verdict
     * @param selfJudged the judge is the job's own provider and model: it grades its own answers
     * @param warning    what that means for the verdicts; null when another model judges
     */
    public record JudgeCounts(String provider, String model, long passed, long failed, Double passRate, boolean selfJudged,
                       String warning) {

        static final String SELF_JUDGED = "The judge is the model that wrote the pairs: a model grading its own answers is "
                + "weak evidence of their grounding. Name another model as the judge.";

        /** The verdicts of a job run by {@code provider} and {@code model}. */
        static JudgeCounts of(JobPlanner.Judge judge, String provider, String model, long passed, long failed) {
            boolean self = judge.provider().equals(provider) && judge.model().equals(model);
            return new JudgeCounts(judge.provider(), judge.model(), passed, failed,
                    passed + failed == 0 ? null : (double) passed / (passed + failed), self, self ? SELF_JUDGED : null);
        }
    }

    /**
     * @param covered        facts with at least the target's phrasings, and its reverse ones among them
     * @param nothingToTeach chunks whose facts call said they hold no fact to teach (a title page, a contents list):
     *                       settled without facts or pairs, and not tried again
     */
    public record CoverageView(long facts, long covered, Coverage target, long nothingToTeach) {
    }

    record PairView(long id, long taskId, UUID documentId, long chunkId, int chunkOrdinal, int pageFrom, int pageTo, int ordinal,
                    String question, String answer, BigDecimal temperature, String variant, String model, int attempt,
                    String split, String rejectedReason, List<Long> factIds, String direction, String judgeVerdict,
                    Map<String, Object> judgeScores) {
    }

    record PairQuery(String split, BigDecimal temperature, String variant, Long chunkId, Boolean rejected, Long factId) {
    }

    /** One fact of a job with its coverage: accepted pairs that test it, by direction. */
    record FactView(long id, long chunkId, int chunkOrdinal, int ordinal, String text, long forward, long reverse, boolean covered) {
    }

    /**
     * The job rows with their task counts, the pace of the last minute (for the ETA) and pairs by reject reason, each
     * aggregated per job in a lateral subquery; {@code %s} is the condition and order that pick the jobs.
     */
    private static final String VIEWS = """
            SELECT j.id, j.status, j.provider, j.model, j.context, j.estimate, j.params, j.prompt_tokens, j.completion_tokens,
                   j.cost_usd, j.max_cost_usd, j.max_tokens, j.error, j.created_at, j.started_at, j.finished_at, j.parent_job_id,
                   j.cached_prompt_tokens, j.input_cost_usd, j.cached_input_cost_usd, j.output_cost_usd, j.batch_discount_usd,
                   t.total, t.done, t.failed, t.pending, t.running, t.cancelled, t.last_minute, t.finished, t.nothing_to_teach,
                   extract(epoch FROM t.last_finished - j.started_at) AS finishing_seconds,
                   coalesce(p.accepted, 0) AS accepted, coalesce(p.judging, 0) AS judging, coalesce(p.passed, 0) AS passed,
                   coalesce(p.failed, 0) AS judge_failed, p.rejects, f.facts, f.covered, j.mode, b.batches, fl.failures,
                   s.study_accepted, s.study_judging, s.study_rejects, s.faithfulness, t.study_calls, t.study_cost, j.diversity,
                   e.queued_prompt_tokens, e.queued_completion_tokens, e.pending_projected, e.prompt_rate,
                   e.completion_rate, e.prompt_price, e.completion_price
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
                       count(*) FILTER (WHERE kind = 'facts' AND status = 'DONE' AND NOT EXISTS (
                           SELECT 1 FROM job_fact jf WHERE jf.job_id = task.job_id AND jf.chunk_id = task.chunk_id)) AS nothing_to_teach,
                       max(finished_at) FILTER (WHERE status IN ('DONE', 'FAILED')) AS last_finished,
                       count(*) FILTER (WHERE kind IN ('study', 'study-judge') AND status = 'DONE') AS study_calls,
                       coalesce(sum(cost_usd) FILTER (WHERE kind IN ('study', 'study-judge')), 0) AS study_cost
                FROM task WHERE job_id = j.id) t
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE rejected_reason IS NULL AND judge_verdict IS DISTINCT FROM 'pending') AS study_accepted,
                       count(*) FILTER (WHERE rejected_reason IS NULL AND judge_verdict = 'pending') AS study_judging,
                       avg(faithfulness) AS faithfulness,
                       (SELECT json_object_agg(reason, n ORDER BY n DESC, reason)
                        FROM (SELECT rejected_reason AS reason, count(*) AS n FROM study_passage
                              WHERE job_id = j.id AND rejected_reason IS NOT NULL GROUP BY 1) x) AS study_rejects
                FROM study_passage WHERE job_id = j.id) s
            CROSS JOIN LATERAL (
                WITH r AS (SELECT rejected_reason AS reason, judge_verdict AS verdict, count(*) AS n FROM qa_pair
                           WHERE job_id = j.id GROUP BY rejected_reason, judge_verdict)
                SELECT sum(n) FILTER (WHERE reason IS NULL AND verdict IS DISTINCT FROM 'pending') AS accepted,
                       sum(n) FILTER (WHERE reason IS NULL AND verdict = 'pending') AS judging,
                       sum(n) FILTER (WHERE verdict = 'pass') AS passed,
                       sum(n) FILTER (WHERE verdict = 'fail') AS failed,
                       (SELECT json_object_agg(reason, n ORDER BY n DESC, reason)
                        FROM (SELECT reason, sum(n) AS n FROM r WHERE reason IS NOT NULL GROUP BY reason) x) AS rejects
                FROM r) p
            CROSS JOIN LATERAL (
                SELECT count(*) AS facts,
                       count(*) FILTER (WHERE coalesce(c.total, 0) >= (j.params -> 'coverage' ->> 'phrasings')::int
                                          AND coalesce(c.reverse, 0) >= (j.params -> 'coverage' ->> 'reverse')::int) AS covered
                FROM job_fact jf
                LEFT JOIN (SELECT fact_id, count(*) AS total, count(*) FILTER (WHERE direction = 'reverse') AS reverse
                           FROM qa_pair q, unnest(q.fact_ids) AS fact_id
                           WHERE q.job_id = j.id AND q.rejected_reason IS NULL AND q.judge_verdict IS DISTINCT FROM 'pending'
                             AND j.params ->> 'strategy' = 'FACTS'
                           GROUP BY fact_id) c ON c.fact_id = jf.fact_id
                WHERE jf.job_id = j.id) f
            CROSS JOIN LATERAL (
                SELECT json_agg(json_build_object('id', coalesce(provider_batch_id, 'batch-' || id), 'status', status,
                                'total', requests_total, 'completed', requests_done, 'failed', requests_failed, 'error', error,
                                'createdAt', created_at, 'completedAt', completed_at, 'settled', settled_at IS NOT NULL)
                                ORDER BY id) AS batches
                FROM provider_batch WHERE job_id = j.id) b
            CROSS JOIN LATERAL (
                SELECT json_agg(json_build_object('reason', reason, 'tasks', n) ORDER BY n DESC, reason) AS failures
                FROM (SELECT coalesce(last_error, 'unknown') AS reason, count(*) AS n FROM task
                      WHERE job_id = j.id AND status = 'FAILED'
                      -- the five most common: enough to see what went wrong, few enough for a page of jobs
                      GROUP BY 1 ORDER BY n DESC, reason LIMIT 5) x) fl
            CROSS JOIN LATERAL (
                -- The rest at the rates the job's finished calls show: prompt and completion tokens each at what they
                -- came to per estimated token, for the task's kind (else the whole job); and the estimated dollars per
                -- token of the calls queued so far, which price the estimate's calls not queued yet.
                SELECT coalesce(sum(est_prompt_tokens) FILTER (WHERE status <> 'CANCELLED'), 0) AS queued_prompt_tokens,
                       coalesce(sum(est_completion_tokens) FILTER (WHERE status <> 'CANCELLED'), 0) AS queued_completion_tokens,
                       coalesce(sum(est_prompt_cost * coalesce(kind_prompt, job_prompt, 1)
                                    + est_completion_cost_usd * coalesce(kind_completion, job_completion, 1))
                                FILTER (WHERE status IN ('PENDING', 'RUNNING')), 0) AS pending_projected,
                       max(job_prompt) AS prompt_rate, max(job_completion) AS completion_rate,
                       sum(est_prompt_cost) FILTER (WHERE status <> 'CANCELLED')
                           / nullif(sum(est_prompt_tokens) FILTER (WHERE status <> 'CANCELLED'), 0) AS prompt_price,
                       sum(est_completion_cost_usd) FILTER (WHERE status <> 'CANCELLED')
                           / nullif(sum(est_completion_tokens) FILTER (WHERE status <> 'CANCELLED'), 0) AS completion_price
                FROM (SELECT status, est_prompt_tokens, est_completion_tokens, est_prompt_cost, est_completion_cost_usd,
                             sum(prompt_tokens) FILTER (WHERE split) OVER (PARTITION BY kind)::numeric
                                 / nullif(sum(est_prompt_tokens) FILTER (WHERE split) OVER (PARTITION BY kind), 0) AS kind_prompt,
                             sum(completion_tokens) FILTER (WHERE split) OVER (PARTITION BY kind)::numeric
                                 / nullif(sum(est_completion_tokens) FILTER (WHERE split) OVER (PARTITION BY kind), 0) AS kind_completion,
                             sum(prompt_tokens) FILTER (WHERE split) OVER ()::numeric
                                 / nullif(sum(est_prompt_tokens) FILTER (WHERE split) OVER (), 0) AS job_prompt,
                             sum(completion_tokens) FILTER (WHERE split) OVER ()::numeric
                                 / nullif(sum(est_completion_tokens) FILTER (WHERE split) OVER (), 0) AS job_completion
                      -- split: a finished call whose estimate has its completion apart (tasks queued since V20)
                      FROM (SELECT status, kind, prompt_tokens, completion_tokens, est_completion_tokens, est_completion_cost_usd,
                                   est_tokens - est_completion_tokens AS est_prompt_tokens,
                                   est_cost_usd - est_completion_cost_usd AS est_prompt_cost,
                                   status = 'DONE' AND est_completion_tokens > 0 AS split
                            FROM task WHERE job_id = j.id) x) k) e
            %s""";

    private static final TypeReference<LinkedHashMap<String, Long>> REJECTS = new TypeReference<>() {
    };
    private static final TypeReference<LinkedHashMap<String, Object>> SCORES = new TypeReference<>() {
    };
    private static final TypeReference<List<BatchView>> BATCHES = new TypeReference<>() {
    };
    private static final TypeReference<List<Failure>> FAILURES = new TypeReference<>() {
    };

    private final JdbcClient db;
    private final JsonMapper json;

    JobViews(JdbcClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    Optional<View> view(UUID id) {
        return db.sql(VIEWS.formatted("WHERE j.id = ?")).param(id).query(this::toView).optional();
    }

    public List<View> views(Collection<UUID> ids) {
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
        String rejectsJson = rs.getString("rejects");
        Map<String, Long> rejects = rejectsJson == null ? new LinkedHashMap<>() : read(rejectsJson, REJECTS);
        JobParams params = read(rs.getString("params"), JobParams.class);
        JobPlanner.Judge judge = params.judge();
        long passed = rs.getLong("passed"), failed = rs.getLong("judge_failed");
        Estimate estimate = read(rs.getString("estimate"), Estimate.class);
        return new View(rs.getObject("id", UUID.class), status, params.facts() ? "facts" : "recipe", rs.getString("provider"),
                rs.getString("model"), rs.getString("context"), estimate, tasks,
                rs.getLong("accepted"), rs.getLong("judging"), rejects,
                judge == null ? null : JudgeCounts.of(judge, rs.getString("provider"), rs.getString("model"), passed, failed),
                params.facts() ? new CoverageView(rs.getLong("facts"), rs.getLong("covered"), params.coverage(),
                        rs.getLong("nothing_to_teach")) : null,
                rejects.getOrDefault(ExamSplit.LEAK, 0L), rs.getLong("prompt_tokens"),
                rs.getLong("completion_tokens"), rs.getBigDecimal("cost_usd"), rs.getBigDecimal("max_cost_usd"),
                rs.getObject("max_tokens", Long.class), rs.getString("error"), instant(rs.getTimestamp("created_at")), started,
                finished, elapsed, status.terminal() ? null : eta(tasks, rs.getLong("last_minute"), rs.getLong("finished"),
                rs.getDouble("finishing_seconds")), rs.getObject("parent_job_id", UUID.class), params,
                rs.getLong("cached_prompt_tokens"), new GenerationProperties.Cost(rs.getBigDecimal("input_cost_usd"),
                rs.getBigDecimal("cached_input_cost_usd"), rs.getBigDecimal("output_cost_usd"), rs.getBigDecimal("batch_discount_usd")),
                rs.getString("mode"), rs.getString("batches") == null ? List.of() : read(rs.getString("batches"), BATCHES),
                rs.getString("failures") == null ? List.of() : read(rs.getString("failures"), FAILURES),
                params.study() == null ? null : new StudyView(rs.getLong("study_accepted"), rs.getLong("study_judging"),
                        rs.getString("study_rejects") == null ? Map.of() : read(rs.getString("study_rejects"), REJECTS),
                        rs.getObject("faithfulness") == null ? null : Math.round(rs.getDouble("faithfulness") * 1000) / 1000.0,
                        rs.getLong("study_calls"), rs.getBigDecimal("study_cost")),
                rs.getString("diversity") == null ? null : read(rs.getString("diversity"), Diversity.Figures.class),
                projected(status, estimate, rs));
    }

    /**
     * Spent plus the rest at the observed rates: its pending tasks' prompt and completion at their kind's, and the
     * estimate's tokens not queued yet (a fact job's pairs and judges come with its facts, top-ups with coverage rounds)
     * at the job's.
     */
    private static BigDecimal projected(JobStatus status, Estimate estimate, ResultSet rs) throws SQLException {
        BigDecimal spent = rs.getBigDecimal("cost_usd");
        if (status.terminal()) {
            return spent;
        }
        if (estimate == null || estimate.costUsd() == null) {
            return null; // a job stored without a priced estimate: nothing to project from
        }
        BigDecimal unqueued = unqueued(estimate.promptTokens(), rs.getLong("queued_prompt_tokens"), rs.getBigDecimal("prompt_price"),
                rs.getBigDecimal("prompt_rate")).add(unqueued(estimate.expectedCompletionTokens(),
                rs.getLong("queued_completion_tokens"), rs.getBigDecimal("completion_price"), rs.getBigDecimal("completion_rate")));
        return spent.add(rs.getBigDecimal("pending_projected")).add(unqueued).setScale(6, RoundingMode.HALF_UP);
    }

    /** The estimate's tokens not queued yet, at the queued calls' price per token and the job's observed rate. */
    private static BigDecimal unqueued(long estimated, long queued, BigDecimal price, BigDecimal rate) {
        if (estimated <= queued || price == null) {
            return BigDecimal.ZERO;
        }
        return price.multiply(BigDecimal.valueOf(estimated - queued)).multiply(rate == null ? BigDecimal.ONE : rate);
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
        if (filter.factId() != null) {
            // The fact's chunk first, so the pairs come from the (job, chunk) index rather than a scan of the job.
            where.append(" AND p.chunk_id = (SELECT chunk_id FROM fact WHERE id = :fact) AND :fact = ANY(p.fact_ids)");
            params.put("fact", filter.factId());
        }
        if (filter.rejected() != null) {
            where.append(filter.rejected() ? " AND p.rejected_reason IS NOT NULL"
                    : " AND p.rejected_reason IS NULL AND p.judge_verdict IS DISTINCT FROM 'pending'");
        }
        long total = db.sql("SELECT count(*) FROM qa_pair p" + where).params(params).query(Long.class).single();
        List<PairView> content = db.sql("""
                        SELECT p.id, p.task_id, c.document_id, p.chunk_id, c.ordinal AS chunk_ordinal, c.page_from, c.page_to, p.ordinal, p.question,
                               p.answer, p.temperature, p.variant, p.model, p.attempt, p.split, p.rejected_reason, p.fact_ids,
                               p.direction, p.judge_verdict, p.judge_scores
                        FROM qa_pair p JOIN chunk_location c ON c.chunk_id = p.chunk_id""" + where
                        + " ORDER BY p.chunk_id, p.task_id, p.ordinal LIMIT :limit OFFSET :offset")
                .params(params).param("limit", pageable.getPageSize()).param("offset", pageable.getOffset())
                .query((rs, i) -> {
                    String scores = rs.getString("judge_scores");
                    return new PairView(rs.getLong("id"), rs.getLong("task_id"), rs.getObject("document_id", UUID.class),
                            rs.getLong("chunk_id"), rs.getInt("chunk_ordinal"), rs.getInt("page_from"), rs.getInt("page_to"),
                            rs.getInt("ordinal"), rs.getString("question"), rs.getString("answer"), rs.getBigDecimal("temperature"),
                            rs.getString("variant"), rs.getString("model"), rs.getInt("attempt"), rs.getString("split"),
                            rs.getString("rejected_reason"), Ids.list(rs.getArray("fact_ids")), rs.getString("direction"),
                            rs.getString("judge_verdict"), scores == null ? null : read(scores, SCORES));
                })
                .list();
        return new PageImpl<>(content, pageable, total);
    }

    /** A job's facts in document order (of one chunk, if given), each with its accepted pairs by direction. */
    Page<FactView> facts(UUID jobId, Long chunkId, Coverage target, Pageable pageable) {
        String where = " WHERE jf.job_id = :job" + (chunkId == null ? "" : " AND jf.chunk_id = :chunk");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("job", jobId);
        if (chunkId != null) {
            params.put("chunk", chunkId);
        }
        long total = db.sql("SELECT count(*) FROM job_fact jf" + where).params(params).query(Long.class).single();
        List<FactView> content = db.sql("""
                        SELECT f.id, f.chunk_id, c.ordinal AS chunk_ordinal, f.ordinal, f.text, x.forward, x.reverse
                        FROM job_fact jf
                        JOIN fact f ON f.id = jf.fact_id
                        JOIN chunk_location c ON c.chunk_id = jf.chunk_id
                        CROSS JOIN LATERAL (
                            SELECT count(*) FILTER (WHERE p.direction = 'forward') AS forward,
                                   count(*) FILTER (WHERE p.direction = 'reverse') AS reverse
                            FROM qa_pair p
                            WHERE p.job_id = jf.job_id AND p.chunk_id = jf.chunk_id AND jf.fact_id = ANY(p.fact_ids)
                              AND p.rejected_reason IS NULL AND p.judge_verdict IS DISTINCT FROM 'pending') x""" + where
                        + " ORDER BY c.document_id, c.ordinal, f.ordinal, f.id LIMIT :limit OFFSET :offset")
                .params(params).param("limit", pageable.getPageSize()).param("offset", pageable.getOffset())
                .query((rs, i) -> new FactView(rs.getLong("id"), rs.getLong("chunk_id"), rs.getInt("chunk_ordinal"),
                        rs.getInt("ordinal"), rs.getString("text"), rs.getLong("forward"), rs.getLong("reverse"),
                        rs.getLong("forward") + rs.getLong("reverse") >= target.phrasings() && rs.getLong("reverse") >= target.reverse()))
                .list();
        return new PageImpl<>(content, pageable, total);
    }

    /** Whether the fact is one the job teaches. */
    boolean teaches(UUID jobId, long factId) {
        return db.sql("SELECT EXISTS (SELECT 1 FROM job_fact WHERE job_id = ? AND fact_id = ?)").params(jobId, factId)
                .query(Boolean.class).single();
    }

    private <T> T read(String value, TypeReference<T> type) {
        try {
            return json.readValue(value, type);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(String value, Class<T> type) {
        try {
            return json.readValue(value, type);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
