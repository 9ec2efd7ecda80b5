package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.job.CallEstimates;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.system.Ids;

/**
 * Stores a chunk's facts as its facts step listed them, and queues the chunk's temperature sweep: one pair call per
 * temperature, each asking for one pair per fact in its direction. Runs inside the transaction that marks the facts
 * task done, so the facts and the calls that teach them exist once, together. A chunk with nothing to teach gets
 * neither: its done facts task without facts is what the job view counts as {@code nothingToTeach}.
 */
@Component
public class FactWriter {

    private final JdbcClient jdbc;
    private final Ids ids;
    private final NewTasks tasks;
    private final CallEstimates estimates;
    private final Providers providers;

    FactWriter(JdbcClient jdbc, Ids ids, NewTasks tasks, CallEstimates estimates, Providers providers) {
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
        Long[] factIds = ids.next(Ids.Sequence.fact_seq, facts.size()).toArray(Long[]::new);
        // Both in one statement each: the facts' columns as arrays, zipped back into rows (numbered from 0) by unnest.
        jdbc.sql("""
                        INSERT INTO fact (id, job_id, chunk_id, ordinal, text)
                        SELECT f.id, ?, ?, f.ordinal - 1, f.text FROM unnest(?::bigint[], ?::text[]) WITH ORDINALITY AS f(id, text, ordinal)""")
                .params(task.jobId(), task.chunkId(), factIds, facts.toArray(String[]::new)).update();
        jdbc.sql("INSERT INTO job_fact (job_id, chunk_id, fact_id) SELECT ?, ?, f FROM unnest(?::bigint[]) f")
                .params(task.jobId(), task.chunkId(), factIds).update();
        var temperatures = spec.params().temperatures();
        List<String> directions = spec.params().coverage().sweepDirections(temperatures.size());
        ProviderClient client = providers.client(spec.provider());
        CallEstimate call = estimates.factPairsCall(spec, client != null && client.config.structuredOutput(), chunkTokens,
                facts.size(), facts.size());
        List<NewTasks.Row> sweep = new ArrayList<>();
        for (int i = 0; i < temperatures.size(); i++) {
            sweep.add(new NewTasks.Row(task.jobId(), task.chunkId(), temperatures.get(i), directions.get(i), TaskKind.PAIRS, 0, null, null,
                    facts.size(), call));
        }
        if (spec.params().study() != null) {
            int index = jdbc.sql("SELECT count(*) FROM task WHERE job_id = ? AND kind = 'facts' AND chunk_id < ?")
                    .params(task.jobId(), task.chunkId()).query(Integer.class).single();
            boolean json = client != null && client.config.structuredOutput();
            for (CallEstimates.StudyCall study : estimates.studyCalls(spec, json, chunkTokens, index, facts.size())) {
                sweep.add(new NewTasks.Row(task.jobId(), task.chunkId(), study.temperature(), study.strategy().label(), TaskKind.STUDY, 0,
                        null, null, 1, study.call()));
            }
        }
        tasks.insert(sweep);
    }
}
