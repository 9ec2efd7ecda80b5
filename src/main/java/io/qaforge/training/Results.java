package io.qaforge.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import io.qaforge.exam.Exams;

/**
 * A run's answers beside its exam's questions, and recall by fact (the worker summarises by phase and direction; the
 * service knows which fact each question asks about).
 */
final class Results {

    static final List<String> PHASES = List.of("before", "inContext", "after");

    /** @param keyFacts the reference's key facts are in the answer (the default "correct"); null from older workers */
    record Answer(String answer, Boolean keyFacts, boolean exactMatch, double tokenF1, boolean contained, Boolean judge) {
    }

    /**
     * One exam question with the model's answer in each phase it was scored in.
     *
     * @param contextSource where its in-context text came from ({@code uploaded}, {@code document}, {@code chunk},
     *                      {@code retrieved}); null when it had none
     */
    record QuestionResult(long questionId, int ordinal, String question, String reference, Long factId, String direction,
                          boolean hasContext, String contextSource, Map<String, Answer> phases) {
    }

    /**
     * Shares of questions answered right (token F1: its mean); key facts and judge over the answers that have them
     * only, null if none.
     */
    record Rates(int questions, Double keyFacts, double exactMatch, double tokenF1, double contained, Double judge) {
    }

    record FactRecall(long factId, Map<String, Rates> phases) {
    }

    /** @param unscored questions of the exam without any answer (past the run's evalLimit, or the run has not ended) */
    record View(UUID runId, UUID examId, String examName, int examQuestions, int unscored, List<QuestionResult> questions,
                List<FactRecall> byFact) {
    }

    private Results() {
    }

    static View of(UUID runId, Exams.Summary exam, List<Exams.Question> questions, List<TrainingQueue.Result> results) {
        Map<Long, Map<String, Answer>> byQuestion = new TreeMap<>();
        for (TrainingQueue.Result r : results) {
            byQuestion.computeIfAbsent(r.questionId(), q -> new LinkedHashMap<>())
                    .put(r.phase(), r.scored());
        }
        List<QuestionResult> scored = new ArrayList<>();
        for (Exams.Question q : questions) {
            Map<String, Answer> answers = byQuestion.get(q.id());
            if (answers != null) {
                Map<String, Answer> ordered = new LinkedHashMap<>();
                PHASES.stream().filter(answers::containsKey).forEach(phase -> ordered.put(phase, answers.get(phase)));
                scored.add(new QuestionResult(q.id(), q.ordinal(), q.question(), q.answer(), q.factId(), q.direction(), q.context() != null,
                        q.contextSource(), ordered));
            }
        }
        Map<Long, List<QuestionResult>> byFact = new TreeMap<>();
        scored.stream().filter(q -> q.factId() != null).forEach(q -> byFact.computeIfAbsent(q.factId(), f -> new ArrayList<>()).add(q));
        List<FactRecall> facts = byFact.entrySet().stream().map(e -> new FactRecall(e.getKey(), rates(e.getValue()))).toList();
        return new View(runId, exam == null ? null : exam.id(), exam == null ? null : exam.name(), questions.size(),
                questions.size() - scored.size(), scored, facts);
    }

    /** By phase, over the questions that have an answer in it. */
    static Map<String, Rates> rates(List<QuestionResult> questions) {
        Map<String, Rates> rates = new LinkedHashMap<>();
        for (String phase : PHASES) {
            List<Answer> answers = questions.stream().map(q -> q.phases().get(phase)).filter(a -> a != null).toList();
            if (answers.isEmpty()) {
                continue;
            }
            List<Boolean> judged = answers.stream().map(Answer::judge).filter(j -> j != null).toList();
            List<Boolean> keyFacts = answers.stream().map(Answer::keyFacts).filter(k -> k != null).toList();
            rates.put(phase, new Rates(answers.size(),
                    keyFacts.isEmpty() ? null : share(keyFacts.stream().filter(k -> k).count(), keyFacts.size()),
                    share(answers.stream().filter(Answer::exactMatch).count(), answers.size()),
                    answers.stream().mapToDouble(Answer::tokenF1).average().orElse(0),
                    share(answers.stream().filter(Answer::contained).count(), answers.size()),
                    judged.isEmpty() ? null : share(judged.stream().filter(j -> j).count(), judged.size())));
        }
        return rates;
    }

    private static double share(long count, int of) {
        return (double) count / of;
    }
}
