package io.qaforge.generation;

import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Measures a job's accepted text when the job ends and keeps the figure with it ({@code job.diversity}): the job view
 * and the dataset card show it without reading every pair again.
 */
@Component
class JobDiversity {

    /** @param pairs each accepted pair's question and answer; @param passages accepted study passages; null where none */
    record Figures(Diversity.Figure pairs, Diversity.Figure passages) {
    }

    private final JdbcClient db;
    private final JsonMapper json;

    JobDiversity(JdbcClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    void record(UUID jobId) {
        Diversity pairs = new Diversity();
        db.sql("SELECT question, answer FROM accepted_pair WHERE job_id = ? ORDER BY id").param(jobId)
                .query(rs -> {
                    pairs.add(rs.getString("question") + "\n" + rs.getString("answer"));
                });
        Diversity passages = new Diversity();
        db.sql("SELECT text FROM accepted_passage WHERE job_id = ? ORDER BY id").param(jobId)
                .query(rs -> {
                    passages.add(rs.getString("text"));
                });
        db.sql("UPDATE job SET diversity = ?::jsonb WHERE id = ?")
                .params(json.writeValueAsString(new Figures(pairs.figure(), passages.figure())), jobId).update();
    }
}
