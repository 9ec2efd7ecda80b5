package io.qaforge.generation.steps;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.Diversity;
import io.qaforge.generation.JobStatus;
import io.qaforge.generation.queue.JobEnded;

/**
 * Measures a job's accepted text when the job ends and keeps the figure with it ({@code job.diversity}): the job view
 * and the dataset card show it without reading every pair again.
 */
@Component
public class JobDiversity {

    private final JdbcClient db;
    private final JsonMapper json;

    JobDiversity(JdbcClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** After the exam split and the study leaks are settled: the figure is of what stays accepted. */
    @EventListener
    @Order(3)
    void on(JobEnded ended) {
        if (JobStatus.DATASET_READY.contains(ended.status())) {
            record(ended.jobId());
        }
    }

    void record(UUID jobId) {
        db.sql("UPDATE job SET diversity = ?::jsonb WHERE id = ?")
                .params(json.writeValueAsString(measure(List.of(jobId))), jobId).update();
    }

    /** The figures of these jobs' accepted text together (a dataset of several jobs). */
    public Diversity.Figures measure(Collection<UUID> jobIds) {
        String[] ids = jobIds.stream().map(UUID::toString).distinct().sorted().toArray(String[]::new);
        Diversity pairs = new Diversity();
        db.sql("SELECT question, answer FROM accepted_pair WHERE job_id = ANY(?::uuid[]) ORDER BY job_id, id").param(ids)
                .query(rs -> {
                    pairs.add(rs.getString("question") + "\n" + rs.getString("answer"));
                });
        Diversity passages = new Diversity();
        db.sql("SELECT text FROM accepted_passage WHERE job_id = ANY(?::uuid[]) ORDER BY job_id, id").param(ids)
                .query(rs -> {
                    passages.add(rs.getString("text"));
                });
        return new Diversity.Figures(pairs.figure(), passages.figure());
    }
}
