package io.qaforge.generation.queue;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.system.Ids;

import static io.qaforge.system.Unnest.column;

/**
 * Adds tasks to the queue: a job's first ones at creation, and a fact job's later ones (its pair calls once a chunk's
 * facts are in, a judge call per pair call, top-up rounds) inside the transaction that completes the task they follow.
 * A task that exists already (the same call, or the judge of the same graded task) is left as it is.
 */
@Component
public class NewTasks {

    /**
     * @param provider      null: the job's provider (only a judge of another provider names one)
     * @param gradedTaskId  the pair call a judge task grades
     */
    public record Row(UUID jobId, long chunkId, BigDecimal temperature, String variant, TaskKind kind, int round, String provider,
               Long gradedTaskId, int questions, CallEstimate estimate) {
    }

    private final JdbcClient jdbc;
    private final Ids ids;

    NewTasks(JdbcClient jdbc, Ids ids) {
        this.jdbc = jdbc;
        this.ids = ids;
    }

    public void insert(List<Row> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        Long[] taskIds = ids.next(Ids.Sequence.task_seq, tasks.size()).toArray(Long[]::new);
        // One statement for every task: the columns as arrays, zipped back into rows by unnest (ids, numerics and
        // uuids as text, which the driver cannot send as arrays of their own types).
        jdbc.sql("""
                        INSERT INTO task (id, job_id, chunk_id, temperature, variant, kind, round, provider, graded_task_id, status,
                                          questions, est_tokens, est_cost_usd, est_completion_tokens, est_completion_cost_usd)
                        SELECT id, job_id, chunk_id, temperature, variant, kind, round, provider, graded_task_id, 'PENDING',
                               questions, est_tokens, est_cost_usd, est_completion_tokens, est_completion_cost_usd
                        FROM unnest(?::bigint[], ?::uuid[], ?::bigint[], ?::numeric[], ?::text[], ?::text[], ?::int[], ?::text[],
                                    ?::bigint[], ?::int[], ?::int[], ?::numeric[], ?::int[], ?::numeric[])
                             AS t(id, job_id, chunk_id, temperature, variant, kind, round, provider, graded_task_id, questions,
                                  est_tokens, est_cost_usd, est_completion_tokens, est_completion_cost_usd)
                        ON CONFLICT DO NOTHING""")
                .params(taskIds, column(tasks, t -> t.jobId().toString(), String[]::new), column(tasks, Row::chunkId, Long[]::new),
                        column(tasks, t -> t.temperature().toPlainString(), String[]::new), column(tasks, Row::variant, String[]::new),
                        column(tasks, t -> t.kind().column(), String[]::new), column(tasks, Row::round, Integer[]::new),
                        column(tasks, Row::provider, String[]::new), column(tasks, Row::gradedTaskId, Long[]::new),
                        column(tasks, Row::questions, Integer[]::new), column(tasks, t -> t.estimate().tokens(), Integer[]::new),
                        column(tasks, t -> t.estimate().cost().toPlainString(), String[]::new),
                        column(tasks, t -> t.estimate().completionTokens(), Integer[]::new),
                        column(tasks, t -> t.estimate().completionCost().toPlainString(), String[]::new))
                .update();
    }
}
