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
 * The service's allowlist is the worker's training options, no more and no less, with the same defaults: read from
 * the worker's own declaration ({@code TrainOptions} in options.py), so a new worker option cannot be forgotten here.
 */
class TrainingParamsTest {

    static final Path OPTIONS = Path.of("worker/src/qaforge_worker/options.py");
    /** {@code    learning_rate: float = option(1e-4, "..."}: a field and the literal its default starts with. */
    static final Pattern FIELD = Pattern.compile("(?m)^    (\\w+): [^=\\n]+= option\\(([^,]+),");

    @Test
    void everyWorkerTrainingOptionIsAParamWithTheWorkersDefaultAndNothingElseIs() throws IOException {
        String source = Files.readString(OPTIONS);
        String trainOptions = source.substring(source.indexOf("class TrainOptions"), source.indexOf("def to_dict"));
        Map<String, Object> worker = new TreeMap<>();
        Matcher field = FIELD.matcher(trainOptions);
        while (field.find()) {
            worker.put(camel(field.group(1)), literal(field.group(2).strip()));
        }
        assertThat(worker).as("parsed the worker's options").containsKeys("epochs", "learningRate", "loraR", "merge", "saveSteps");

        Map<String, Object> service = new TreeMap<>();
        TrainingParams.ALL.stream().filter(p -> !TrainingParams.SERVICE_ONLY.contains(p.name()))
                .forEach(p -> service.put(p.name(), p.defaultValue() instanceof Number n ? n.doubleValue() : p.defaultValue()));
        assertThat(service).isEqualTo(worker);
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

    private static String camel(String snake) {
        StringBuilder name = new StringBuilder();
        for (String part : snake.split("_")) {
            name.append(name.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return name.toString();
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase();
    }
}
