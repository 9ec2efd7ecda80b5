package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.math.RoundingMode;

import io.qaforge.generation.Estimate;
import io.qaforge.generation.job.CallEstimates.Call;

/** The calls of a plan, added up by kind. */
final class Tally {
    long questions, promptTokens, completionTokens, factCalls, pairCalls, judgeCalls, topUpCalls;
    BigDecimal cost = BigDecimal.ZERO;
    boolean priced = true;

    void add(Call call, int pairs, String kind) {
        switch (kind) {
            case "facts" -> factCalls++;
            case "pairs" -> pairCalls++;
            case "judge" -> judgeCalls++;
            default -> topUpCalls++;
        }
        questions += kind.equals("facts") ? 0 : pairs;
        promptTokens += call.promptTokens();
        completionTokens += call.completionTokens();
        cost = cost.add(call.cost());
        priced &= call.priced();
    }

    long calls() {
        return factCalls + pairCalls + judgeCalls + topUpCalls;
    }

    Estimate estimate(int chunks) {
        return new Estimate(chunks, calls(), questions, promptTokens, completionTokens, cost.setScale(6, RoundingMode.HALF_UP),
                priced, factCalls, pairCalls, judgeCalls, topUpCalls);
    }
}
