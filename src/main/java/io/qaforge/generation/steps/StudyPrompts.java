package io.qaforge.generation.steps;

import java.util.List;
import java.util.Map;

import io.qaforge.generation.job.StudyStrategy;

/**
 * The study calls' templates ({@code prompts/study.txt}, {@code prompts/study-judge.txt}), laid out as
 * {@link Prompts}' are for a provider's prefix cache: instructions, context and chunk first, what one call asks last.
 * A passage is prose, so a study call has no answer format; its judge answers with two counts.
 */
public final class StudyPrompts {

    static final String TEMPLATE = Prompts.load("study");
    static final String JUDGE_TEMPLATE = Prompts.load("study-judge");
    static final String JUDGE_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["claims","supported"],"properties":{
            "claims":{"type":"integer"},"supported":{"type":"integer"}}}""";
    private static final String JUDGE_LINES = Prompts.load("study-judge-format-lines");
    private static final String JUDGE_JSON = Prompts.load("study-judge-format-json");

    private StudyPrompts() {
    }

    /** @param facts the facts a relations or focal passage works from, numbered; empty for the other strategies */
    public static String study(String context, String chunk, StudyStrategy strategy, String facts) {
        return Prompts.fill(TEMPLATE, Map.of("instructions", strategy.instructions(), "context", context, "chunk", chunk,
                "facts", facts.isEmpty() ? "" : "\nFacts:\n" + facts));
    }

    public static String judge(String context, String chunk, String passage, boolean json) {
        return Prompts.fill(JUDGE_TEMPLATE, Map.of("format", (json ? JUDGE_JSON : JUDGE_LINES).strip(), "context", context,
                "chunk", chunk, "passage", passage));
    }

    /** The instructions every study call sends, which no passage may echo. */
    public static List<String> texts() {
        List<String> texts = new java.util.ArrayList<>(List.of(TEMPLATE, JUDGE_TEMPLATE));
        for (StudyStrategy strategy : StudyStrategy.values()) {
            texts.add(strategy.instructions());
        }
        return texts;
    }
}
