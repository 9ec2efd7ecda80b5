package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.Splits;

/**
 * What a job was asked to do, kept with it. Jobs stored before fact jobs have no strategy, judge or coverage.
 *
 * @param prompts every template the job uses (recipe: by variant; fact job: {@code facts} and {@code pairs})
 */
public record JobParams(List<UUID> documentIds, List<BigDecimal> temperatures, Integer tokensPerQuestion, Integer questionsPerChunk,
                       List<String> variants, Map<String, String> prompts, double testFraction, long seed, Splits.By splitBy,
                       Integer chunkLimit, Strategy strategy, JobPlanner.Judge judge, Coverage coverage, Mode mode) {

    public boolean facts() {
        return strategy == Strategy.FACTS;
    }

    /** Jobs stored before batch mode have no mode: they ran synchronously. */
    boolean batch() {
        return mode == Mode.BATCH;
    }
}
