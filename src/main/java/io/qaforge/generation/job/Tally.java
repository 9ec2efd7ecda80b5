package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.math.RoundingMode;

import io.qaforge.generation.Estimate;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.TaskKind;

/** The calls of a plan, added up by kind. */
final class Tally {
    long questions, promptTokens, completionTokens, factCalls, pairCalls, judgeCalls, topUpCalls, studyCalls;
    BigDecimal cost = BigDecimal.ZERO;
    boolean priced = true;

    void add(CallEstimate call, int pairs, TaskKind kind) {
        switch (kind) {
            case FACTS -> factCalls++;
            case PAIRS -> pairCalls++;
            case JUDGE -> judgeCalls++;
            case STUDY, STUDY_JUDGE -> studyCalls++; // a passage's call, or its judge's: what study costs
        }
        count(call, kind == TaskKind.FACTS ? 0 : pairs);
    }

    /** A pair call of a coverage round the plan expects: its task is added only when the round comes. */
    void addTopUp(CallEstimate call, int pairs) {
        topUpCalls++;
        count(call, pairs);
    }

    private void count(CallEstimate call, int pairs) {
        questions += pairs;
        promptTokens += call.promptTokens();
        completionTokens += call.completionTokens();
        cost = cost.add(call.cost());
        priced &= call.priced();
    }

    long calls() {
        return factCalls + pairCalls + judgeCalls + topUpCalls + studyCalls;
    }

    Estimate estimate(int chunks) {
        return new Estimate(chunks, calls(), questions, promptTokens, completionTokens, cost.setScale(6, RoundingMode.HALF_UP),
                priced, factCalls, pairCalls, judgeCalls, topUpCalls, studyCalls);
    }
}
