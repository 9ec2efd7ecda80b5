package io.qaforge.exam;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.stereotype.Component;

/** What other features may ask about exams: an exam, its questions, and the default exam of some jobs. */
@Component
public class Exams {

    public record Summary(UUID id, String name, String source, int questions, List<UUID> jobIds) {
    }

    /**
     * @param pairId  the held-out generated pair it was made from (test-split exams), or null: uploaded
     * @param context what the in-context phase puts in the prompt (source chunk, whole document or the uploader's
     *                text), or null: then the question has no in-context score
     */
    public record Question(long id, int ordinal, String question, String answer, Long factId, String direction, Long chunkId,
                           Long pairId, String context) {
    }

    private final ExamRepository exams;
    private final ExamStore store;

    Exams(ExamRepository exams, ExamStore store) {
        this.exams = exams;
        this.store = store;
    }

    public Optional<Summary> find(UUID id) {
        return exams.findById(id).map(e -> new Summary(e.getId(), e.getName(), e.getSource(), e.getQuestionCount(), e.getJobIds()));
    }

    /** In the exam's order. */
    public List<Question> questions(UUID examId) {
        return store.questions(examId);
    }

    /**
     * The exam of these jobs' held-out test pairs: one made earlier from exactly the same pairs, else a new one.
     * Empty when the jobs have no test pairs.
     */
    public Optional<UUID> ofTestSplit(Collection<UUID> jobIds) {
        return store.sameTestSplit(jobIds).or(() -> store.fromTestSplit(jobIds, defaultName(jobIds)).map(Exam::getId));
    }

    static String defaultName(Collection<UUID> jobIds) {
        return jobIds.size() == 1 ? "Test split of job " + jobIds.iterator().next().toString().substring(0, 8)
                : "Test split of " + jobIds.size() + " jobs";
    }
}
