package io.qaforge.exam;

import java.util.Set;

/**
 * One question as a caller sends it, in a JSON body or a line of a file, checked by the same rules either way.
 *
 * @param factId    the fact it asks about (recall is also reported by fact), or null
 * @param direction {@code forward} or {@code reverse} (recall is also reported by direction), or null
 * @param context   what the in-context phase puts in the prompt, or null (the exam's document, if it names one)
 */
record QuestionInput(String question, String answer, Long factId, String direction, String context) {

    static final int MAX_QUESTIONS = 10_000;
    static final int MAX_TEXT = 4_000;
    static final int MAX_CONTEXT = 100_000;
    static final Set<String> DIRECTIONS = Set.of("forward", "reverse");

    /** What is wrong with this question, or null when nothing is. */
    String problem() {
        if (question == null || question.isBlank()) {
            return "question must not be blank";
        }
        if (answer == null || answer.isBlank()) {
            return "answer must not be blank";
        }
        if (question.length() > MAX_TEXT || answer.length() > MAX_TEXT) {
            return "question and answer are limited to " + MAX_TEXT + " characters each";
        }
        if (factId != null && factId < 1) {
            return "factId must be a positive whole number";
        }
        if (direction != null && !DIRECTIONS.contains(direction)) {
            return "direction must be forward or reverse, not '" + direction + "'";
        }
        if (context != null && context.length() > MAX_CONTEXT) {
            return "context is limited to " + MAX_CONTEXT + " characters";
        }
        return null;
    }

    QuestionInput stripped() {
        return new QuestionInput(question.strip(), answer.strip(), factId, direction, context == null || context.isBlank() ? null : context.strip());
    }
}
