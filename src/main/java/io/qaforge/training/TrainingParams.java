package io.qaforge.training;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import io.qaforge.export.ExportOptions;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * The hyperparameters a caller may set on a run, with their ranges and the worker's defaults: exactly the worker's
 * params ({@code PARAMS} in {@code worker/src/qaforge_worker/options.py}, each mapped there onto a field of TRL's
 * {@code SFTConfig} or {@code ModelConfig} or the worker's own options; a test keeps the two in step), plus {@link #SERVICE_ONLY} ones the service itself applies when it serves the dataset. Where a worker sends
 * data or credentials (a judge endpoint, a Hub repo, files on its disk) is the worker's own configuration: a caller
 * naming such an option is refused, so no API caller can make a worker send its keys or tokens elsewhere.
 */
public final class TrainingParams {

    /**
     * One parameter as the console offers it.
     *
     * @param type         {@code number}, {@code integer}, {@code boolean}, {@code choice} or {@code text}
     * @param defaultValue the worker's default (null: decided by the worker, e.g. bf16 where CUDA has it)
     * @param key          one of the recipe's key parameters, shown in the console's run form
     */
    public record Param(String name, String type, Double min, Double max, List<String> choices, Object defaultValue, boolean key,
                        String description) {
    }

    private record Rule(String type, Double min, Double max, List<String> choices, String description, Predicate<Object> accepts) {

        static Rule integer(long min, long max) {
            return new Rule("integer", (double) min, (double) max, null, "an integer from " + min + " to " + max,
                    v -> v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && between(n, min, max));
        }

        static Rule number(double min, double max) {
            return new Rule("number", min, max, null, "a number from " + min + " to " + max, v -> v instanceof Number n && between(n, min, max));
        }

        static Rule bool() {
            return new Rule("boolean", null, null, null, "true or false", v -> v instanceof Boolean);
        }

        static Rule oneOf(String... choices) {
            Set<String> allowed = new TreeSet<>(Set.of(choices));
            return new Rule("choice", null, null, List.copyOf(allowed), "one of " + String.join(", ", allowed), allowed::contains);
        }

        static Rule matching(String description, Pattern pattern) {
            return new Rule("text", null, null, null, description, v -> v instanceof String text && pattern.matcher(text).matches());
        }

        private static boolean between(Number n, double min, double max) {
            double v = n.doubleValue();
            return Double.isFinite(v) && v >= min && v <= max;
        }
    }

    private record Option(Rule rule, Object defaultValue, boolean key) {
    }

    private static Option key(Rule rule, Object defaultValue) {
        return new Option(rule, defaultValue, true);
    }

    private static Option option(Rule rule, Object defaultValue) {
        return new Option(rule, defaultValue, false);
    }

    /** Checkpoint every N steps, or (below 1) every such fraction of the run: what transformers' save_steps takes. */
    private static final Rule SAVE_STEPS = new Rule("number", 0.001, 1_000_000.0, null,
            "a fraction of the run below 1, or a whole number of steps up to 1000000",
            v -> v instanceof Number n && Rule.between(n, 0.001, 1_000_000) && (n.doubleValue() < 1 || n.doubleValue() == Math.rint(n.doubleValue())));

    /** A share of the run: transformers 5 reads a warm-up of 1 or more as a number of steps, so 1 is not a share. */
    private static final Rule WARMUP_RATIO = new Rule("number", 0.0, 1.0, null, "a number from 0 up to, but not including, 1",
            v -> v instanceof Number n && Rule.between(n, 0, 1) && n.doubleValue() < 1);

    private static final Map<String, Option> OPTIONS = new TreeMap<>(Map.ofEntries(
            Map.entry("epochs", key(Rule.number(0.01, 1000), 1.0)),
            Map.entry("maxSteps", option(Rule.integer(-1, 1_000_000), -1)),
            Map.entry("learningRate", key(Rule.number(1e-9, 1), 1e-4)),
            Map.entry("lrScheduler", option(Rule.oneOf("linear", "cosine", "cosine_with_restarts", "cosine_with_min_lr", "polynomial",
                    "constant", "constant_with_warmup", "inverse_sqrt", "warmup_stable_decay"), "cosine")),
            Map.entry("warmupRatio", option(WARMUP_RATIO, 0.0)),
            Map.entry("batchSize", key(Rule.integer(1, 1024), 1)),
            Map.entry("gradientAccumulation", option(Rule.integer(1, 1024), 1)),
            Map.entry("maxLength", key(Rule.integer(16, 131_072), 512)),
            Map.entry("loraR", key(Rule.integer(1, 1024), 16)),
            Map.entry("loraAlpha", key(Rule.integer(1, 4096), 32)),
            Map.entry("loraDropout", option(Rule.number(0, 0.99), 0.0)),
            Map.entry("targetModules", option(Rule.matching("'all-linear' or a comma-separated list of module names",
                    Pattern.compile("all-linear|[A-Za-z0-9_.]{1,100}(,[A-Za-z0-9_.]{1,100}){0,49}")), "all-linear")),
            Map.entry("useDora", option(Rule.bool(), false)),
            Map.entry("useRslora", option(Rule.bool(), false)),
            Map.entry("loadIn4bit", option(Rule.bool(), false)),
            Map.entry("packing", key(Rule.bool(), false)),
            Map.entry("neftuneNoiseAlpha", option(Rule.number(0, 100), null)),
            // On when asked, or when the worker finds a step's activations would not fit in GPU memory.
            Map.entry("gradientCheckpointing", option(Rule.bool(), false)),
            Map.entry("bf16", option(Rule.bool(), null)),
            Map.entry("optim", option(Rule.oneOf("adamw_torch", "adamw_torch_fused", "adafactor", "adamw_8bit", "paged_adamw_8bit"),
                    "adamw_torch_fused")),
            Map.entry("weightDecay", option(Rule.number(0, 1), 0.0)),
            Map.entry("maxGradNorm", option(Rule.number(0, 1000), 1.0)),
            Map.entry("useLigerKernel", option(Rule.bool(), false)),
            Map.entry("torchCompile", option(Rule.bool(), false)),
            // Kernels that ship with torch or flash-attn only: a Hub kernel repo named here would run its code on the worker.
            Map.entry("attnImplementation", option(Rule.oneOf("eager", "sdpa", "flash_attention_2"), "sdpa")),
            Map.entry("seed", option(Rule.integer(0, 4_294_967_295L), 42)),
            Map.entry("loggingSteps", option(Rule.integer(1, 10_000), 1)),
            Map.entry("saveSteps", option(SAVE_STEPS, 0.1)),
            Map.entry("studyOrder", option(Rule.oneOf("interleaved", "cpt-then-sft"), "cpt-then-sft")),
            Map.entry("studyRatio", option(Rule.number(0.01, 100), null)),
            Map.entry("probe", option(Rule.bool(), false)),
            Map.entry("probeEpochs", option(Rule.number(0.01, 100), 5.0)),
            Map.entry("probeEvalsPerEpoch", option(Rule.integer(1, 100), 4)),
            Map.entry("evalLoss", option(Rule.bool(), true)),
            Map.entry("earlyStoppingPatience", option(Rule.integer(0, 1000), 0)),
            Map.entry("evalLimit", key(Rule.integer(0, 100_000), 200)),
            Map.entry("evalMaxNewTokens", key(Rule.integer(1, 4096), 128)),
            Map.entry("evalBatchSize", option(Rule.integer(1, 1024), 8)),
            // vllm: an optional extra of the worker, refused by a worker without it.
            Map.entry("evalEngine", option(Rule.oneOf("transformers", "vllm"), "transformers")),
            Map.entry("judge", option(Rule.bool(), true)),
            Map.entry("merge", key(Rule.bool(), false)),
            Map.entry("pairsPerRow", option(Rule.integer(1, ExportOptions.MAX_PAIRS_PER_ROW), ExportOptions.DEFAULT_PAIRS_PER_ROW))));

    /** Applied by the service (the dataset a worker downloads is shaped by them), so never sent to a worker. */
    static final Set<String> SERVICE_ONLY = Set.of("pairsPerRow");

    /** Every parameter, for the console's run form: the key ones first, each group by name. */
    public static final List<Param> ALL = OPTIONS.entrySet().stream()
            .sorted((a, b) -> Boolean.compare(b.getValue().key(), a.getValue().key()))
            .map(e -> new Param(e.getKey(), e.getValue().rule().type(), e.getValue().rule().min(), e.getValue().rule().max(),
                    e.getValue().rule().choices(), e.getValue().defaultValue(), e.getValue().key(), e.getValue().rule().description()))
            .toList();

    /** Names that say where the worker reads, writes or sends things: set on the worker, never per run. */
    private static final Pattern WORKER_LOCAL = Pattern.compile(
            "(?i).*(url|endpoint|host|token|key|secret|password|credential|path|dir|file|output|repo|hub|dataset|questions|model).*");

    private TrainingParams() {
    }

    /** The params as stored on the run, or a 400 naming every offending one. */
    static Map<String, Object> validate(Map<String, Object> params) {
        if (params == null) {
            return Map.of();
        }
        Map<String, Object> valid = new LinkedHashMap<>();
        Map<String, String> errors = new TreeMap<>();
        params.forEach((name, value) -> {
            Option option = OPTIONS.get(name);
            if (option == null) {
                errors.put(name, WORKER_LOCAL.matcher(name).matches()
                        ? "is worker-local configuration (endpoints, credentials, models, repos and paths are set on the worker, not per run)"
                        : "is not a training parameter (known: " + String.join(", ", OPTIONS.keySet()) + ")");
            } else if (!option.rule().accepts().test(value)) {
                errors.put(name, "must be " + option.rule().description());
            } else {
                valid.put(name, value);
            }
        });
        if (!errors.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.INVALID_TRAINING_PARAMS, "Invalid training parameters",
                    String.join("; ", errors.entrySet().stream().map(e -> "params." + e.getKey() + " " + e.getValue()).toList()));
        }
        return valid;
    }

    /** What a worker gets: the run's params without those the service applies itself. */
    static Map<String, Object> forWorker(Map<String, Object> params) {
        Map<String, Object> worker = new LinkedHashMap<>(params);
        worker.keySet().removeAll(SERVICE_ONLY);
        return worker;
    }
}
