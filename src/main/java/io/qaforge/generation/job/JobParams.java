package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.Splits;

/**
 * What a job was asked to do, kept with it. Jobs stored before fact jobs have no judge or coverage (V16 gave them
 * their strategy, {@code RECIPE}).
 *
 * @param prompts  every template the job uses (recipe: by variant; fact job: {@code facts} and {@code pairs})
 * @param language the ISO 639-1 code the job writes in; null: each document's own
 * @param study    the study passages it writes; null: none (and jobs stored before them)
 */
public record JobParams(List<UUID> documentIds, List<BigDecimal> temperatures, Integer tokensPerQuestion, Integer questionsPerChunk,
                       List<String> variants, Map<String, String> prompts, double testFraction, long seed, Splits.By splitBy,
                       Integer chunkLimit, Strategy strategy, JobPlanner.Judge judge, Coverage coverage, Mode mode,
                       String language, Study study) {

    public boolean facts() {
        return strategy == Strategy.FACTS;
    }

    /** Jobs stored before batch mode have no mode: they ran synchronously. */
    boolean batch() {
        return mode == Mode.BATCH;
    }
}
