package io.qaforge.generation.steps;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;
import io.qaforge.generation.job.CallEstimates;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.Specs;
import io.qaforge.generation.job.Temperatures;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.generation.queue.TaskSettled;

/**
 * A fact job's coverage rounds. Once a chunk's calls of a round are over (its pair calls and their judges done or
 * failed), the facts still below the job's target get one more call at a fresh temperature, naming what each lacks;
 * until every fact reaches the target, {@link Coverage#MAX_ROUNDS} rounds have passed, or the budget stops the job.
 * Runs inside the transaction that completes or fails one of the chunk's calls, under the chunk's lock, so exactly one
 * of them decides on the next round.
 */
@Component
public class TopUps {

    /** A job (the first parameter) and every job it tops up, its parent's parent and so on: {@code lineage(id)}. */
    public static final String LINEAGE = """
            WITH RECURSIVE lineage AS (
                SELECT id, parent_job_id FROM job WHERE id = ?
                UNION
                SELECT j.id, j.parent_job_id FROM job j JOIN lineage l ON j.id = l.parent_job_id)
            """;

    private final JdbcClient db;
    private final Specs specs;
    private final NewTasks tasks;
    private final CallEstimates estimates;
    private final Providers providers;
    private final ChunkRepository chunks;

    TopUps(JdbcClient db, Specs specs, NewTasks tasks, CallEstimates estimates, Providers providers, ChunkRepository chunks) {
        this.db = db;
        this.specs = specs;
        this.tasks = tasks;
        this.estimates = estimates;
        this.providers = providers;
        this.chunks = chunks;
    }

    /** A call that failed for good ends its part of the chunk's round, as a completed one does through its writer. */
    @EventListener
    void on(TaskSettled settled) {
        afterCall(settled.task());
    }

    void afterCall(TaskQueue.Claimed task) {
        JobSpec spec = specs.of(task.jobId());
        if (!spec.params().facts() || task.kind() == TaskKind.FACTS) {
            return;
        }
        boolean busy = db.sql("""
                        SELECT EXISTS (SELECT 1 FROM task WHERE job_id = ? AND chunk_id = ? AND kind IN ('pairs', 'judge')
                                       AND status IN ('PENDING', 'RUNNING'))""")
                .params(task.jobId(), task.chunkId()).query(Boolean.class).single();
        if (busy) {
            return;
        }
        // Fresh for the chunk: neither this job nor a job it tops up asked at it.
        List<BigDecimal> used = db.sql(LINEAGE + "SELECT temperature FROM task WHERE job_id IN (SELECT id FROM lineage) AND chunk_id = ? AND kind = 'pairs'")
                .params(task.jobId(), task.chunkId()).query(BigDecimal.class).list();
        int round = db.sql("SELECT coalesce(max(round), 0) FROM task WHERE job_id = ? AND chunk_id = ? AND kind = 'pairs'")
                .params(task.jobId(), task.chunkId()).query(Integer.class).single();
        Map<Long, Coverage.Missing> missing = missing(spec, task.jobId(), task.chunkId());
        int asked = missing.values().stream().mapToInt(Coverage.Missing::total).sum();
        if (round >= Coverage.MAX_ROUNDS || asked == 0) {
            return;
        }
        ProviderClient client = providers.client(spec.provider());
        int chunkTokens = chunks.findSizesByIdIn(List.of(task.chunkId())).getFirst().getTokens();
        CallEstimate call = estimates.factPairsCall(spec, client != null && client.config.structuredOutput(), chunkTokens,
                missing.size(), asked);
        BigDecimal temperature = Temperatures.fresh(used, 1).getFirst();
        tasks.insert(List.of(new NewTasks.Row(task.jobId(), task.chunkId(), temperature, "top-up", TaskKind.PAIRS, round + 1, null, null,
                asked, call)));
    }

    /** What each of the job's facts in the chunk lacks of the target, counting its accepted pairs (in chunk order). */
    Map<Long, Coverage.Missing> missing(JobSpec spec, UUID jobId, long chunkId) {
        Coverage target = spec.params().coverage();
        Map<Long, Coverage.Missing> missing = new LinkedHashMap<>();
        db.sql("""
                        SELECT jf.fact_id, count(p.id) AS pairs, count(p.id) FILTER (WHERE p.direction = 'reverse') AS reverse
                        FROM job_fact jf
                        JOIN fact f ON f.id = jf.fact_id
                        LEFT JOIN qa_pair p ON p.job_id = jf.job_id AND p.chunk_id = jf.chunk_id AND jf.fact_id = ANY(p.fact_ids)
                             AND p.rejected_reason IS NULL AND p.judge_verdict IS DISTINCT FROM 'pending'
                        WHERE jf.job_id = ? AND jf.chunk_id = ?
                        GROUP BY jf.fact_id, f.ordinal
                        ORDER BY f.ordinal, jf.fact_id""")
                .params(jobId, chunkId)
                .query((rs, i) -> missing.put(rs.getLong("fact_id"), target.missing(rs.getLong("pairs"), rs.getLong("reverse"))))
                .list();
        return missing;
    }
}
