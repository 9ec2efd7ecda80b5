package io.qaforge.exam;

import io.qaforge.system.PairFiles;

/**
 * One question as a caller sends it, in a JSON body or a line of a file, checked by the same rules either way.
 *
 * @param factId    the fact it asks about (recall is also reported by fact), or null
 * @param direction {@code forward} or {@code reverse} (recall is also reported by direction), or null
 * @param context   what the in-context phase puts in the prompt, or null (the exam's document, if it names one)
 */
record QuestionInput(String question, String answer, Long factId, String direction, String context) {

    static final int MAX_QUESTIONS = PairFiles.MAX_ROWS;
    static final int MAX_CONTEXT = 100_000;

    /** What is wrong with this question, or null when nothing is. */
    String problem() {
        String problem = PairFiles.problem(question, answer, factId, direction);
        if (problem == null && context != null && context.length() > MAX_CONTEXT) {
            return "context is limited to " + MAX_CONTEXT + " characters";
        }
        return problem;
    }

    QuestionInput stripped() {
        return new QuestionInput(question.strip(), answer.strip(), factId, direction, context == null || context.isBlank() ? null : context.strip());
    }
}
