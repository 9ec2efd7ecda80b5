package io.qaforge.generation.job;

import java.util.UUID;

import io.qaforge.generation.steps.PairWriter;

/** What the engine needs to run a job's tasks; fixed at creation. */
public record JobSpec(UUID id, String provider, String model, String context, JobParams params) {

    public PairWriter.SplitRule splitRule() {
        return new PairWriter.SplitRule(params.seed(), params.splitBy(), params.testFraction());
    }
}
