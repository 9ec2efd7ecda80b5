package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.List;

/**
 * A fact job's coverage target: each fact taught by {@code phrasings} accepted pairs, {@code reverse} of them in the
 * reverse direction (the reversal curse: a model taught only "A is B" does not answer "what is B?").
 */
public record Coverage(int phrasings, int reverse) {

    public static final Coverage DEFAULT = new Coverage(6, 2);
    /** Top-up rounds after the temperature sweep, at most. */
    static final int MAX_ROUNDS = 3;

    /** What a fact still lacks, by direction. */
    public record Missing(int forward, int reverse) {
        int total() {
            return forward + reverse;
        }
    }

    public Missing missing(long accepted, long acceptedReverse) {
        int reverseShort = (int) Math.max(0, reverse - acceptedReverse);
        int totalShort = (int) Math.max(0, phrasings - accepted);
        return new Missing(Math.max(0, totalShort - reverseShort), reverseShort);
    }

    /**
     * The direction the sweep asks for at each of its temperatures (in order): reverse at a share of them that matches
     * the target's, spread evenly and at least one where there are two or more; top-up rounds make up the rest.
     */
    public List<String> sweepDirections(int temperatures) {
        int reverseCount = reverse == 0 || temperatures < 2 ? 0
                : Math.min(temperatures - 1, Math.max(1, Math.round((float) temperatures * reverse / phrasings)));
        List<String> directions = new ArrayList<>(temperatures);
        for (int i = 0; i < temperatures; i++) {
            boolean reversed = (i + 1) * reverseCount / temperatures > i * reverseCount / temperatures;
            directions.add(reversed ? "reverse" : "forward");
        }
        return directions;
    }

    /**
     * The phrasings per fact that each expected top-up round asks for, when a sweep of {@code temperatures} calls
     * yields {@code yield} of what it asks: a round follows while a fact lacks half a phrasing or more on average.
     */
    public List<Integer> expectedTopUps(int temperatures, double yield) {
        List<String> directions = sweepDirections(temperatures);
        long reverseCalls = directions.stream().filter("reverse"::equals).count();
        double lacking = Math.max(Math.max(0, phrasings - yield * temperatures), Math.max(0, reverse - yield * reverseCalls));
        List<Integer> rounds = new ArrayList<>();
        while (lacking >= 0.5 && rounds.size() < MAX_ROUNDS) {
            int asked = (int) Math.ceil(lacking);
            rounds.add(asked);
            lacking = asked * (1 - yield);
        }
        return rounds;
    }
}
