package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

import tools.jackson.databind.JsonNode;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Expands a temperature spec: an explicit list, or {count, min, max} evenly spaced (count 1 = the midpoint). Either way
 * at most {@link #MAX_COUNT} values: each one is a task per chunk and variant.
 */
public final class Temperatures {

    public static final int DEFAULT_COUNT = 9;
    public static final double DEFAULT_MIN = 0.01;
    public static final double DEFAULT_MAX = 1.2;
    public static final int MAX_COUNT = 100;
    /** Every temperature lies in [MIN, MAX]: the range OpenAI-compatible providers accept. */
    public static final int MIN = 0;
    public static final int MAX = 2;

    private Temperatures() {
    }

    static List<BigDecimal> expand(JsonNode spec) {
        List<Double> values = new ArrayList<>();
        if (spec == null || spec.isNull()) {
            values = spaced(DEFAULT_COUNT, DEFAULT_MIN, DEFAULT_MAX);
        } else if (spec.isArray()) {
            if (spec.isEmpty()) {
                throw invalid("the temperature list is empty");
            }
            if (spec.size() > MAX_COUNT) {
                throw invalid("at most " + MAX_COUNT + " temperatures, was a list of " + spec.size());
            }
            for (JsonNode value : spec) {
                if (!value.isNumber()) {
                    throw invalid("temperatures must be numbers");
                }
                values.add(value.asDouble());
            }
        } else if (spec.isObject()) {
            int count = spec.has("count") ? count(spec.get("count")) : DEFAULT_COUNT;
            double min = spec.has("min") ? number(spec.get("min")).doubleValue() : DEFAULT_MIN;
            double max = spec.has("max") ? number(spec.get("max")).doubleValue() : DEFAULT_MAX;
            if (count < 1 || count > MAX_COUNT) {
                throw invalid("count must be between 1 and " + MAX_COUNT + ", was " + count);
            }
            if (min > max) {
                throw invalid("min (" + min + ") is above max (" + max + ")");
            }
            values = spaced(count, min, max);
        } else {
            throw invalid("give {count, min, max} or a list of numbers");
        }
        LinkedHashSet<BigDecimal> distinct = new LinkedHashSet<>();
        for (double value : values) {
            if (!(value >= MIN && value <= MAX)) {
                throw invalid("temperature " + value + " is outside [" + MIN + ", " + MAX + "]");
            }
            distinct.add(BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP));
        }
        return List.copyOf(distinct);
    }

    /**
     * {@code count} temperatures over the default range that none of {@code used} equals, for calls that should not
     * repeat earlier ones (top-up rounds, remediation jobs): the evenly spaced values, shifted by half their spacing
     * (by a golden-ratio step for a single one), and nudged off any value already taken.
     */
    public static List<BigDecimal> fresh(java.util.Collection<BigDecimal> used, int count) {
        var taken = new java.util.TreeSet<BigDecimal>();
        used.forEach(t -> taken.add(t.setScale(3, RoundingMode.HALF_UP)));
        double span = DEFAULT_MAX - DEFAULT_MIN;
        List<BigDecimal> fresh = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double value = count == 1
                    ? DEFAULT_MIN + span * ((taken.size() + 1) * 0.6180339887 % 1)
                    : DEFAULT_MIN + span * (i + 0.5) / count;
            BigDecimal t = BigDecimal.valueOf(value).setScale(3, RoundingMode.HALF_UP);
            while (taken.contains(t)) {
                t = t.add(new BigDecimal("0.007"));
                if (t.doubleValue() > MAX) {
                    t = BigDecimal.valueOf(DEFAULT_MIN).setScale(3, RoundingMode.HALF_UP);
                }
            }
            taken.add(t);
            fresh.add(t);
        }
        return fresh;
    }

    private static List<Double> spaced(int count, double min, double max) {
        List<Double> values = new ArrayList<>(count);
        if (count == 1) {
            values.add((min + max) / 2);
        } else {
            for (int i = 0; i < count; i++) {
                values.add(min + i * (max - min) / (count - 1));
            }
        }
        return values;
    }

    /** A whole number of temperatures: 1.9 or 2^32 + 1 are mistakes to report, not to round or wrap into 1. */
    private static int count(JsonNode node) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid("count must be a whole number between 1 and " + MAX_COUNT + ", was " + node);
        }
        return node.intValue();
    }

    private static Number number(JsonNode node) {
        if (!node.isNumber()) {
            throw invalid("count, min and max must be numbers");
        }
        return node.numberValue();
    }

    private static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_TEMPERATURES, "Invalid temperatures", detail);
    }
}
