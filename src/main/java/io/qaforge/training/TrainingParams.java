package io.qaforge.training;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.qaforge.export.ExportOptions;
import io.qaforge.system.ApiProblem;

/**
 * The hyperparameters a caller may set on a run, with their ranges: the worker trains with exactly these. Where a
 * worker sends data or credentials (a judge endpoint, a Hub repo, files on its disk) is the worker's own configuration:
 * a caller naming such an option is refused, so no API caller can make a worker send its keys or tokens elsewhere.
 */
final class TrainingParams {

    private record Rule(String description, Predicate<Object> accepts) {

        static Rule integer(long min, long max) {
            return new Rule("an integer from " + min + " to " + max,
                    v -> v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && between(n, min, max));
        }

        static Rule number(double min, double max) {
            return new Rule("a number from " + min + " to " + max, v -> v instanceof Number n && between(n, min, max));
        }

        static Rule bool() {
            return new Rule("true or false", v -> v instanceof Boolean);
        }

        static Rule oneOf(String... choices) {
            Set<String> allowed = new TreeSet<>(Set.of(choices));
            return new Rule("one of " + String.join(", ", allowed), allowed::contains);
        }

        static Rule matching(String description, Pattern pattern) {
            return new Rule(description, v -> v instanceof String text && pattern.matcher(text).matches());
        }

        private static boolean between(Number n, double min, double max) {
            double v = n.doubleValue();
            return Double.isFinite(v) && v >= min && v <= max;
        }
    }

    private static final Map<String, Rule> RULES = new TreeMap<>(Map.ofEntries(
            Map.entry("epochs", Rule.number(0.01, 100)),
            Map.entry("maxSteps", Rule.integer(-1, 1_000_000)),
            Map.entry("learningRate", Rule.number(1e-9, 1)),
            Map.entry("lrScheduler", Rule.oneOf("linear", "cosine", "cosine_with_restarts", "cosine_with_min_lr", "polynomial",
                    "constant", "constant_with_warmup", "inverse_sqrt", "warmup_stable_decay")),
            Map.entry("warmupRatio", Rule.number(0, 1)),
            Map.entry("batchSize", Rule.integer(1, 1024)),
            Map.entry("gradientAccumulation", Rule.integer(1, 1024)),
            Map.entry("maxLength", Rule.integer(16, 131_072)),
            Map.entry("loraR", Rule.integer(1, 1024)),
            Map.entry("loraAlpha", Rule.number(0.01, 4096)),
            Map.entry("loraDropout", Rule.number(0, 0.99)),
            Map.entry("targetModules", Rule.matching("'all-linear' or a comma-separated list of module names",
                    Pattern.compile("all-linear|[A-Za-z0-9_.]{1,100}(,[A-Za-z0-9_.]{1,100}){0,49}"))),
            Map.entry("packing", Rule.bool()),
            Map.entry("neftuneNoiseAlpha", Rule.number(0, 100)),
            Map.entry("gradientCheckpointing", Rule.bool()),
            Map.entry("bf16", Rule.bool()),
            Map.entry("attnImplementation", Rule.oneOf("eager", "sdpa", "flash_attention_2", "flash_attention_3", "flex_attention")),
            Map.entry("seed", Rule.integer(0, 4_294_967_295L)),
            Map.entry("loggingSteps", Rule.integer(1, 10_000)),
            Map.entry("probe", Rule.bool()),
            Map.entry("probeEpochs", Rule.number(0.01, 100)),
            Map.entry("probeEvalsPerEpoch", Rule.integer(1, 100)),
            Map.entry("evalLoss", Rule.bool()),
            Map.entry("evalLimit", Rule.integer(0, 100_000)),
            Map.entry("evalMaxNewTokens", Rule.integer(1, 4096)),
            Map.entry("evalBatchSize", Rule.integer(1, 1024)),
            Map.entry("judge", Rule.bool()),
            Map.entry("merge", Rule.bool()),
            Map.entry("saveSteps", Rule.integer(1, 1_000_000)),
            Map.entry("pairsPerRow", Rule.integer(1, ExportOptions.MAX_PAIRS_PER_ROW))));

    /** Names that say where the worker reads, writes or sends things: set on the worker, never per run. */
    private static final Pattern WORKER_LOCAL = Pattern.compile(
            "(?i).*(url|endpoint|host|token|key|secret|password|credential|path|dir|file|output|repo|hub|dataset|questions|model).*");

    private TrainingParams() {
    }

    /** The params as the worker will get them, or a 400 naming every offending one. */
    static Map<String, Object> validate(Map<String, Object> params) {
        if (params == null) {
            return Map.of();
        }
        Map<String, Object> valid = new LinkedHashMap<>();
        Map<String, String> errors = new TreeMap<>();
        params.forEach((name, value) -> {
            Rule rule = RULES.get(name);
            if (rule == null) {
                errors.put(name, WORKER_LOCAL.matcher(name).matches()
                        ? "is worker-local configuration (endpoints, credentials, models, repos and paths are set on the worker, not per run)"
                        : "is not a training parameter (known: " + String.join(", ", RULES.keySet()) + ")");
            } else if (!rule.accepts().test(value)) {
                errors.put(name, "must be " + rule.description());
            } else {
                valid.put(name, value);
            }
        });
        if (!errors.isEmpty()) {
            throw ApiProblem.badRequest("invalid-training-params", "Invalid training parameters",
                    String.join("; ", errors.entrySet().stream().map(e -> "params." + e.getKey() + " " + e.getValue()).toList()));
        }
        return valid;
    }
}
