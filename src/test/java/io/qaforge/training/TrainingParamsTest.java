package io.qaforge.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The service's allowlist is the worker's params, no more and no less, with the same defaults and ranges: read from
 * the worker's own declaration ({@code PARAMS} in options.py), so a new worker param cannot be forgotten here.
 */
class TrainingParamsTest {

    static final Path OPTIONS = Path.of("worker/src/qaforge_worker/options.py");
    /**
     * {@code    "epochs": Param("sft", "num_train_epochs", 1.0, number(0.01, 1000)),}: a param, its default, and (for
     * numbers) its range.
     */
    static final Pattern PARAM = Pattern.compile(
            "(?m)^    \"(\\w+)\": Param\\(\"\\w+\", \"\\w+\", ([^,]+), (?:(?:number|integer)\\(([-\\w.]+), ([-\\w.]+)[,)])?");

    @Test
    void everyWorkerParamIsAServiceParamWithTheWorkersDefaultAndRangeAndNothingElseIs() throws IOException {
        String source = Files.readString(OPTIONS);
        Map<String, Object> worker = new TreeMap<>();
        Map<String, String> workerRanges = new TreeMap<>();
        Matcher param = PARAM.matcher(source.substring(source.indexOf("PARAMS: dict")));
        while (param.find()) {
            worker.put(param.group(1), literal(param.group(2).strip()));
            if (param.group(3) != null) {
                workerRanges.put(param.group(1), number(param.group(3)) + ".." + number(param.group(4)));
            }
        }
        assertThat(worker).as("parsed the worker's params").containsKeys("epochs", "learningRate", "loraR", "merge", "saveSteps",
                "earlyStoppingPatience", "loadIn4bit", "useLigerKernel");

        Map<String, Object> service = new TreeMap<>();
        Map<String, String> serviceRanges = new TreeMap<>();
        TrainingParams.ALL.stream().filter(p -> !TrainingParams.SERVICE_ONLY.contains(p.name())).forEach(p -> {
            service.put(p.name(), p.defaultValue() instanceof Number n ? n.doubleValue() : p.defaultValue());
            if (p.min() != null) {
                serviceRanges.put(p.name(), p.min() + ".." + p.max());
            }
        });
        assertThat(service).isEqualTo(worker);
        assertThat(serviceRanges).isEqualTo(workerRanges);
    }

    @Test
    void longLowRateSchedulesAndTheTrlOptionsAreAccepted() {
        Map<String, Object> params = Map.of("epochs", 1000, "learningRate", 1e-8, "lrScheduler", "constant", "earlyStoppingPatience", 5,
                "loadIn4bit", true, "useLigerKernel", true, "optim", "adamw_torch_fused", "useDora", true, "maxGradNorm", 0.3, "weightDecay", 0.01);
        assertThat(TrainingParams.validate(params)).isEqualTo(params);
        assertThatThrownBy(() -> TrainingParams.validate(Map.of("epochs", 1001))).hasMessageContaining("params.epochs must be a number from 0.01 to 1000");
        assertThatThrownBy(() -> TrainingParams.validate(Map.of("attnImplementation", "kernels-community/flash-attn3")))
                .hasMessageContaining("params.attnImplementation must be one of eager, flash_attention_2, sdpa");
    }

    @Test
    void nothingTheServiceKeepsToItselfIsAWorkerOption() throws IOException {
        String source = Files.readString(OPTIONS);
        for (String name : TrainingParams.SERVICE_ONLY) {
            assertThat(source).doesNotContain(snake(name) + ":");
        }
    }

    @Test
    void aWarmupRatioIsAShareOfTheRunBelowOneAsTheWorkerTakesIt() {
        assertThat(TrainingParams.validate(Map.of("warmupRatio", 0.1))).containsEntry("warmupRatio", 0.1);
        assertThat(TrainingParams.validate(Map.of("warmupRatio", 0))).containsEntry("warmupRatio", 0);
        for (double refused : new double[] {1.0, 1.5, 10, -0.1}) {
            assertThatThrownBy(() -> TrainingParams.validate(Map.of("warmupRatio", refused)))
                    .as("warmupRatio %s", refused).hasMessageContaining("params.warmupRatio must be a number from 0 up to, but not including, 1");
        }
    }

    @Test
    void studyPassagesMeetThePairsInOneOfTheWorkersOrdersAtARangedRatio() {
        assertThat(TrainingParams.validate(Map.of("studyOrder", "cpt-then-sft", "studyRatio", 0.5)))
                .containsEntry("studyOrder", "cpt-then-sft").containsEntry("studyRatio", 0.5);
        assertThatThrownBy(() -> TrainingParams.validate(Map.of("studyOrder", "sft-then-cpt")))
                .hasMessageContaining("params.studyOrder must be one of cpt-then-sft, interleaved");
        for (double refused : new double[] {0, 0.001, 101}) {
            assertThatThrownBy(() -> TrainingParams.validate(Map.of("studyRatio", refused)))
                    .as("studyRatio %s", refused).hasMessageContaining("params.studyRatio must be a number from 0.01 to 100");
        }
    }

    private static Object literal(String python) {
        return switch (python) {
            case "True" -> true;
            case "False" -> false;
            case "None" -> null;
            default -> python.startsWith("\"") ? python.substring(1, python.length() - 1) : Double.parseDouble(python);
        };
    }

    private static double number(String python) {
        return Double.parseDouble(python.replace("_", ""));
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
    }
}
