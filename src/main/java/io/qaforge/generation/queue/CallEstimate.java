package io.qaforge.generation.queue;

import java.math.BigDecimal;

/**
 * What one call is expected to take and cost, before it is made, with the completion's share of the cost apart: a
 * job's own answers correct prompt and completion at their own observed rates (a wordy model doubles the one, not the
 * other), so its projection holds across kinds of call whose mix differs.
 *
 * @param priced false when the model has no price (then both costs are zero)
 */
public record CallEstimate(int promptTokens, int completionTokens, BigDecimal cost, BigDecimal completionCost, boolean priced) {

    public int tokens() {
        return promptTokens + completionTokens;
    }
}
