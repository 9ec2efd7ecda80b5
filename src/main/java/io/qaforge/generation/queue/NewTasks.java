package io.qaforge.generation.queue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

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
    public record Row(UUID jobId, long chunkId, BigDecimal temperature, String variant, String kind, int round, String provider,
               Long gradedTaskId, int questions, int estTokens, BigDecimal estCost) {
    }

    private final JdbcTemplate jdbc;
    private final Ids ids;

    NewTasks(JdbcTemplate jdbc, Ids ids) {
        this.jdbc = jdbc;
        this.ids = ids;
    }

    public void insert(List<Row> tasks) {
        List<Long> taskIds = ids.next(Ids.Sequence.task_seq, tasks.size());
        List<Object[]> rows = new ArrayList<>(tasks.size());
        for (int i = 0; i < tasks.size(); i++) {
            Row t = tasks.get(i);
            rows.add(new Object[]{taskIds.get(i), t.jobId(), t.chunkId(), t.temperature(), t.variant(), t.kind(), t.round(),
                    t.provider(), t.gradedTaskId(), t.questions(), t.estTokens(), t.estCost()});
        }
        jdbc.batchUpdate("""
                INSERT INTO task (id, job_id, chunk_id, temperature, variant, kind, round, provider, graded_task_id, status,
                                  questions, est_tokens, est_cost_usd)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)
                ON CONFLICT DO NOTHING""", rows);
    }
}
