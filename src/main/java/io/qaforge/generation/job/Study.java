package io.qaforge.generation.job;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

import tools.jackson.databind.JsonNode;

import io.qaforge.system.ProblemType;
import io.qaforge.system.ApiProblem;

/**
 * What study passages a job writes: its strategies, and how many passages per chunk, given out over the strategies in
 * turn (a chunk of a document starts one strategy further than the one before, so fewer passages than strategies still
 * use them all across a document). Each passage of a chunk is asked at its own temperature.
 *
 * @param strategies labels of {@link StudyStrategy}, in order
 */
public record Study(List<String> strategies, int perChunk) {

    public static final int MAX_PER_CHUNK = 50;
    /** Every strategy, one passage each per chunk. */
    public static final Study DEFAULT = new Study(Arrays.stream(StudyStrategy.values()).filter(StudyStrategy::chosen)
            .map(StudyStrategy::label).toList(), (int) Arrays.stream(StudyStrategy.values()).filter(StudyStrategy::chosen).count());

    /**
     * The request's {@code study}: on by default in fact jobs, off with {@code false}; a recipe job keeps the reference
     * recipe unless it asks for passages.
     */
    static Study parse(JsonNode spec, Strategy strategy) {
        if (spec == null || spec.isNull()) {
            return strategy == Strategy.FACTS ? DEFAULT : null;
        }
        if (spec.isBoolean() && spec.booleanValue()) {
            return DEFAULT;
        }
        if (spec.isBoolean()) {
            return null;
        }
        if (!spec.isObject() || spec.size() > 2 || spec.has("strategies") && !spec.get("strategies").isArray()
                || spec.has("perChunk") && !spec.get("perChunk").canConvertToExactIntegral()) {
            throw invalid("study is true, false or {\"strategies\": [\"concepts\", ...], \"perChunk\": N}");
        }
        List<String> strategies = DEFAULT.strategies();
        if (spec.has("strategies")) {
            var chosen = new LinkedHashSet<String>();
            for (JsonNode name : spec.get("strategies")) {
                if (!name.isString() || StudyStrategy.of(name.asString()) == null || !StudyStrategy.of(name.asString()).chosen()) {
                    throw invalid("Each study strategy is one of " + String.join(", ", DEFAULT.strategies()) + "; was "
                            + name.toString().substring(0, Math.min(60, name.toString().length())));
                }
                chosen.add(name.asString());
            }
            if (chosen.isEmpty()) {
                throw invalid("study.strategies names at least one strategy; \"study\": false turns study passages off");
            }
            strategies = List.copyOf(chosen);
        }
        int perChunk = strategies.size();
        if (spec.has("perChunk")) {
            JsonNode asked = spec.get("perChunk");
            if (!asked.canConvertToInt() || asked.asInt() < 1 || asked.asInt() > MAX_PER_CHUNK) {
                throw invalid("study.perChunk is 1 to " + MAX_PER_CHUNK + ", was " + asked);
            }
            perChunk = asked.asInt();
        }
        return new Study(strategies, perChunk);
    }

    /** The strategies of a chunk's passages, the chunk's place in the job deciding where the turn starts. */
    List<StudyStrategy> of(int chunkIndex) {
        List<StudyStrategy> chosen = new ArrayList<>(perChunk);
        for (int i = 0; i < perChunk; i++) {
            chosen.add(StudyStrategy.of(strategies.get(Math.floorMod(chunkIndex + i, strategies.size()))));
        }
        return chosen;
    }

    /**
     * The temperature of a chunk's passage {@code i} of {@code n}: spread over [0.6, 1.2) so that each passage of a
     * chunk is sampled afresh (the study papers sample their documents at about 1), and distinct to three decimals.
     */
    static java.math.BigDecimal temperature(int i, int n) {
        return java.math.BigDecimal.valueOf(0.6 + 0.6 * i / n).setScale(3, java.math.RoundingMode.HALF_UP);
    }

    private static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_STUDY, "Invalid study", detail);
    }
}
