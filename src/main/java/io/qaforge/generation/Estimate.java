package io.qaforge.generation;

import java.math.BigDecimal;

import io.qaforge.generation.job.JobPlanner;

/**
 * What a job will ask of its providers and cost, before it runs. {@code requests} counts every call: a fact job's facts
 * calls (one per chunk), its pair calls (the temperature sweep), the judge's calls (one per pair call) and the top-up
 * calls it is expected to need (from {@code CallEstimates.EXPECTED_YIELD}), and its study calls (each passage's and its
 * judge's, counted apart from the pairs'); the cost prices each at its model's price.
 */
public record Estimate(int chunks, long requests, long questions, long promptTokens, long expectedCompletionTokens,
                       BigDecimal costUsd, boolean priced, long factCalls, long pairCalls, long judgeCalls, long topUpCalls,
                       long studyCalls) {
}
