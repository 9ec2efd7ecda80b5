package io.qaforge.exam;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
     * @param context       what the in-context phase puts in the prompt, or null: then the question has no in-context score
     * @param contextSource where that text came from: {@code uploaded} (the uploader's passage), {@code document} (the
     *                      whole document), {@code chunk} (a generated question's source chunk) or {@code retrieved} (the
     *                      passages BM25 ranks highest for the question); null without a context
     * @param passages      for {@code retrieved}: the passages {@code context} joins, best first (a model whose window
     *                      is smaller keeps the best that fit); null otherwise, and never stored
     */
    public record Question(long id, int ordinal, String question, String answer, Long factId, String direction, Long chunkId,
                           Long pairId, String context, String contextSource, List<String> passages) {
    }

    private final ExamRepository exams;
    private final ExamStore store;
    private final Contexts contexts;
    private final RetentionExam retention;

    Exams(ExamRepository exams, ExamStore store, Contexts contexts, RetentionExam retention) {
        this.exams = exams;
        this.store = store;
        this.contexts = contexts;
        this.retention = retention;
    }

    /**
     * The exam a training run answers closed book before and after training unless it names its own: general knowledge
     * unrelated to any document, so that a drop in it is what the training cost the model (forgetting).
     */
    public UUID defaultRetentionExam() {
        return retention.id();
    }

    public Optional<Summary> find(UUID id) {
        return exams.findById(id).map(e -> new Summary(e.getId(), e.getName(), e.getSource(), e.getQuestionCount(), e.getJobIds()));
    }

    /** In the exam's order, as stored. */
    public List<Question> questions(UUID examId) {
        return store.questions(examId);
    }

    /**
     * In the exam's order, the questions that came without a context given one from these documents (a run's): their
     * whole text when it fits, else the passages that BM25 ranks highest for the question. A hand-written exam thus gets
     * an in-context ceiling too, which on a long document means "retrieval-augmented".
     */
    public List<Question> questions(UUID examId, Collection<UUID> documentIds) {
        List<Question> questions = store.questions(examId);
        List<Question> bare = questions.stream().filter(q -> q.context() == null).toList();
        if (bare.isEmpty() || documentIds.isEmpty()) {
            return questions;
        }
        List<Contexts.Context> found = contexts.forQuestions(bare.stream().map(Question::question).toList(), documentIds);
        Map<Long, Contexts.Context> byId = new HashMap<>();
        for (int i = 0; i < bare.size(); i++) {
            if (found.get(i) != null) {
                byId.put(bare.get(i).id(), found.get(i));
            }
        }
        return questions.stream().map(q -> byId.containsKey(q.id()) ? new Question(q.id(), q.ordinal(), q.question(), q.answer(),
                q.factId(), q.direction(), q.chunkId(), q.pairId(), byId.get(q.id()).text(), byId.get(q.id()).source(),
                byId.get(q.id()).passages()) : q).toList();
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
