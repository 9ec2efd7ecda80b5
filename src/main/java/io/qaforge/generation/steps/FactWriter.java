package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.qaforge.generation.job.CallEstimates;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.queue.Ids;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskQueue;

/**
 * Stores a chunk's facts as its facts step listed them, and queues the chunk's temperature sweep: one pair call per
 * temperature, each asking for one pair per fact in its direction. Runs inside the transaction that marks the facts
 * task done, so the facts and the calls that teach them exist once, together. A chunk with nothing to teach gets
 * neither: its done facts task without facts is what the job view counts as {@code nothingToTeach}.
 */
@Component
public class FactWriter {

    private final JdbcTemplate jdbc;
    private final Ids ids;
    private final NewTasks tasks;
    private final CallEstimates estimates;
    private final Providers providers;

    FactWriter(JdbcTemplate jdbc, Ids ids, NewTasks tasks, CallEstimates estimates, Providers providers) {
        this.jdbc = jdbc;
        this.ids = ids;
        this.tasks = tasks;
        this.estimates = estimates;
        this.providers = providers;
    }

    void write(TaskQueue.Claimed task, JobSpec spec, int chunkTokens, List<String> facts) {
        if (facts.isEmpty()) {
            return;
        }
        List<Long> factIds = ids.next(Ids.Sequence.fact_seq, facts.size());
        List<Object[]> rows = new ArrayList<>();
        List<Object[]> ledger = new ArrayList<>();
        for (int i = 0; i < facts.size(); i++) {
            rows.add(new Object[]{factIds.get(i), task.jobId(), task.chunkId(), i, facts.get(i)});
            ledger.add(new Object[]{task.jobId(), task.chunkId(), factIds.get(i)});
        }
        jdbc.batchUpdate("INSERT INTO fact (id, job_id, chunk_id, ordinal, text) VALUES (?, ?, ?, ?, ?)", rows);
        jdbc.batchUpdate("INSERT INTO job_fact (job_id, chunk_id, fact_id) VALUES (?, ?, ?)", ledger);

        var temperatures = spec.params().temperatures();
        List<String> directions = spec.params().coverage().sweepDirections(temperatures.size());
        ProviderClient client = providers.client(spec.provider());
        CallEstimates.Call call = estimates.factPairsCall(spec, client != null && client.config.structuredOutput(), chunkTokens,
                facts.size(), facts.size());
        List<NewTasks.Row> sweep = new ArrayList<>();
        for (int i = 0; i < temperatures.size(); i++) {
            sweep.add(new NewTasks.Row(task.jobId(), task.chunkId(), temperatures.get(i), directions.get(i), "pairs", 0, null, null,
                    facts.size(), call.tokens(), call.cost()));
        }
        tasks.insert(sweep);
    }
}
