package io.qaforge.exam;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import io.qaforge.generation.JobStatus;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

import static io.qaforge.system.Unnest.column;

/**
 * Writes exams (an exam and all its questions in one transaction, so a refused or failed upload stores nothing) and
 * reads their questions; makes exams from jobs' held-out test pairs through generation's {@code accepted_pair} and
 * {@code job_state} views.
 */
@Component
class ExamStore {

    /**
     * A question as stored, with its provenance when it came from a generated pair.
     *
     * @param context null, or its in-context text with the {@link Contexts.Context#source() source} of that text
     */
    record NewQuestion(String question, String answer, Long factId, String direction, Long chunkId, Long pairId, Contexts.Context context) {
    }

    private final JdbcClient jdbc;
    private final ExamRepository exams;
    private final Contexts contexts;

    ExamStore(JdbcClient jdbc, ExamRepository exams, Contexts contexts) {
        this.jdbc = jdbc;
        this.exams = exams;
        this.contexts = contexts;
    }

    @Transactional
    Exam create(String name, String source, List<UUID> jobIds, List<NewQuestion> questions) {
        return create(UUID.randomUUID(), name, source, jobIds, questions);
    }

    @Transactional
    Exam create(UUID id, String name, String source, List<UUID> jobIds, List<NewQuestion> questions) {
        Exam exam = exams.save(new Exam(id, name, source, jobIds.stream().sorted().toList(), questions.size()));
        exams.flush();
        // One statement for every question: the columns as arrays, zipped back into rows (numbered from 1) by unnest.
        jdbc.sql("""
                INSERT INTO exam_question (exam_id, ordinal, question, answer, fact_id, direction, chunk_id, pair_id, context, context_source)
                SELECT ?, q.ordinal, q.question, q.answer, q.fact_id, q.direction, q.chunk_id, q.pair_id, q.context, q.context_source
                FROM unnest(?::text[], ?::text[], ?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::text[], ?::text[])
                     WITH ORDINALITY AS q(question, answer, fact_id, direction, chunk_id, pair_id, context, context_source, ordinal)""")
                .params(exam.getId(), column(questions, NewQuestion::question, String[]::new),
                        column(questions, NewQuestion::answer, String[]::new), column(questions, NewQuestion::factId, Long[]::new),
                        column(questions, NewQuestion::direction, String[]::new), column(questions, NewQuestion::chunkId, Long[]::new),
                        column(questions, NewQuestion::pairId, Long[]::new),
                        column(questions, q -> q.context() == null ? null : q.context().text(), String[]::new),
                        column(questions, q -> q.context() == null ? null : q.context().source(), String[]::new))
                .update();
        return exam;
    }

    List<Exams.Question> questions(UUID examId) {
        return jdbc.sql("""
                SELECT id, ordinal, question, answer, fact_id, direction, chunk_id, pair_id, context, context_source,
                       NULL AS passages -- retrieved per run, never stored
                FROM exam_question WHERE exam_id = ? ORDER BY ordinal""").param(examId).query(Exams.Question.class).list();
    }

    /** Deletes an exam unless a training run was scored on it (the runs' foreign key refuses). */
    @Transactional
    void delete(UUID id) {
        try {
            exams.deleteById(id);
            exams.flush();
        } catch (DataIntegrityViolationException e) {
            throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.EXAM_IN_USE, "Exam in use",
                    "Training runs were (or will be) scored on this exam; their results refer to its questions, so it stays");
        }
    }

    /**
     * The jobs' test pairs as an exam, or empty when they have none. Questions come in a fixed pseudo-random order
     * (by a hash of the pair id), so the first N a worker scores (its evalLimit) are a fair sample of every passage
     * rather than the document's first pages.
     */
    Optional<Exam> fromTestSplit(Collection<UUID> jobIds, String name) {
        List<NewQuestion> questions = testPairs(jobIds);
        return questions.isEmpty() ? Optional.empty() : Optional.of(create(name, "test-split", List.copyOf(jobIds), questions));
    }

    /** An exam made earlier from exactly these jobs' current test pairs (same jobs, same pairs), if there is one. */
    Optional<UUID> sameTestSplit(Collection<UUID> jobIds) {
        String[] ids = jobIds.stream().sorted().map(UUID::toString).toArray(String[]::new);
        return jdbc.sql("""
                SELECT e.id FROM exam e
                WHERE e.source = 'test-split' AND e.job_ids = ?::uuid[]
                  AND (SELECT array_agg(q.pair_id ORDER BY q.pair_id) FROM exam_question q WHERE q.exam_id = e.id)
                    = (SELECT array_agg(p.id ORDER BY p.id) FROM accepted_pair p WHERE p.job_id = ANY(?::uuid[]) AND p.split = 'test')
                ORDER BY e.created_at DESC LIMIT 1""").params(ids, ids).query(UUID.class).optional();
    }

    private List<NewQuestion> testPairs(Collection<UUID> jobIds) {
        record Pair(long id, long chunkId, String question, String answer, Long factId, String direction) {
        }
        // A question's fact is the one its pair tests (recall by fact); a pair about several facts names none.
        List<Pair> pairs = jdbc.sql("""
                SELECT id, chunk_id, question, answer, CASE WHEN cardinality(fact_ids) = 1 THEN fact_ids[1] END AS fact_id, direction
                FROM accepted_pair
                WHERE job_id = ANY(?::uuid[]) AND split = 'test'
                ORDER BY md5(id::text) LIMIT ?""")
                .params(jobIds.stream().map(UUID::toString).toArray(String[]::new), QuestionInput.MAX_QUESTIONS)
                .query(Pair.class).list();
        var context = contexts.ofChunks(pairs.stream().map(Pair::chunkId).distinct().toList());
        return pairs.stream().map(p -> new NewQuestion(p.question(), p.answer(), p.factId(), p.direction(), p.chunkId(), p.id(),
                context.get(p.chunkId()))).toList();
    }

    /** Jobs among these that have not finished with a dataset (still generating, failed or cancelled). */
    List<UUID> notReady(Collection<UUID> jobIds) {
        return jdbc.sql("""
                SELECT u FROM unnest(?::uuid[]) u
                WHERE NOT EXISTS (SELECT 1 FROM job_state s WHERE s.job_id = u AND s.status = ANY(?))""")
                .params(jobIds.stream().map(UUID::toString).toArray(String[]::new), JobStatus.names(JobStatus.DATASET_READY))
                .query(UUID.class).list();
    }
}
