package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.JobStatus;
import io.qaforge.generation.quality.NearDuplicates;
import io.qaforge.generation.queue.JobEnded;

/**
 * Keeps the exam held out of the study passages: a passage may state a fact the test split asks about (that is what
 * it teaches), but not carry a test question's wording. A passage that does is rejected as {@code test_leak}, by the
 * split's own measure ({@link NearDuplicates}): one of its sentences is a near-duplicate of a test question of its chunk
 * (this job's, or a job's it tops up), or it holds that question's shingles nearly whole.
 */
@Component
class StudyLeaks {

    private final JdbcClient db;

    StudyLeaks(JdbcClient db) {
        this.db = db;
    }

    /** Inside the transaction that ends the job, after its exam is split ({@link ExamSplit} comes first). */
    @EventListener
    @Order(2)
    void on(JobEnded ended) {
        if (JobStatus.DATASET_READY.contains(ended.status())) {
            apply(ended.jobId());
        }
    }

    void apply(UUID jobId) {
        Map<Long, List<Set<Long>>> exam = new HashMap<>();
        db.sql(TopUps.LINEAGE + """
                        SELECT chunk_id, question FROM qa_pair
                        WHERE job_id IN (SELECT id FROM lineage) AND split = 'test'
                          AND chunk_id IN (SELECT chunk_id FROM study_passage WHERE job_id = ?)
                          AND rejected_reason IS NULL AND judge_verdict IS DISTINCT FROM 'pending'""")
                .params(jobId, jobId)
                .query(rs -> {
                    exam.computeIfAbsent(rs.getLong("chunk_id"), c -> new ArrayList<>()).add(NearDuplicates.shingles(rs.getString("question")));
                });
        if (exam.isEmpty()) {
            return;
        }
        List<Long> leaks = new ArrayList<>();
        db.sql("SELECT id, chunk_id, text FROM accepted_passage WHERE job_id = ?").param(jobId).query(rs -> {
            List<Set<Long>> questions = exam.get(rs.getLong("chunk_id"));
            if (questions != null && leaks(rs.getString("text"), questions)) {
                leaks.add(rs.getLong("id"));
            }
        });
        for (long id : leaks) {
            db.sql("UPDATE study_passage SET rejected_reason = ? WHERE id = ?").params(ExamSplit.LEAK, id).update();
        }
    }

    static boolean leaks(String passage, List<Set<Long>> questions) {
        Set<Long> whole = NearDuplicates.shingles(passage);
        List<Set<Long>> sentences = new ArrayList<>();
        for (String sentence : passage.split("(?<=[.?!])\\s+|\\R")) {
            sentences.add(NearDuplicates.shingles(sentence));
        }
        for (Set<Long> question : questions) {
            long held = question.stream().filter(whole::contains).count();
            if (held >= NearDuplicates.THRESHOLD * question.size()
                    || sentences.stream().anyMatch(sentence -> NearDuplicates.near(sentence, question))) {
                return true;
            }
        }
        return false;
    }
}
