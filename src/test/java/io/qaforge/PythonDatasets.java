package io.qaforge;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a script under the Python named by {@code QAFORGE_PYTHON} (one with {@code datasets} and {@code pyarrow}, as the
 * worker's venv has), so files we write are read by a client nobody here wrote. Tests using it are skipped without it.
 */
public final class PythonDatasets {

    public static final String VARIABLE = "QAFORGE_PYTHON";
    /** A Python with lm-evaluation-harness (bin/lm-eval-venv), for the exam exports. */
    public static final String LM_EVAL_VARIABLE = "QAFORGE_LM_EVAL_PYTHON";
    /** A Python with lighteval (bin/lighteval-venv), for the exam exports. */
    public static final String LIGHTEVAL_VARIABLE = "QAFORGE_LIGHTEVAL_PYTHON";

    private PythonDatasets() {
    }

    public static String python() {
        return python(VARIABLE, "`datasets` and `pyarrow`");
    }

    private static String python(String variable, String with) {
        String python = System.getenv(variable);
        assumeTrue(python != null && !python.isBlank() && Files.isExecutable(Path.of(python)),
                "Set " + variable + " to a Python with " + with + " to check exports with the real library");
        return python;
    }

    /** Runs {@code script} (which prints one JSON document last) with the arguments, returning that JSON. */
    public static JsonNode run(String script, Path workDir, String... args) throws IOException, InterruptedException {
        return run(python(), script, workDir, args);
    }

    /** The same under the Python with lm-evaluation-harness. */
    public static JsonNode runLmEval(String script, Path workDir, String... args) throws IOException, InterruptedException {
        return run(python(LM_EVAL_VARIABLE, "`lm_eval`"), script, workDir, args);
    }

    /** The same under the Python with lighteval. */
    public static JsonNode runLighteval(String script, Path workDir, String... args) throws IOException, InterruptedException {
        return run(python(LIGHTEVAL_VARIABLE, "`lighteval`"), script, workDir, args);
    }

    private static JsonNode run(String python, String script, Path workDir, String... args) throws IOException, InterruptedException {
        Path file = Files.writeString(workDir.resolve("check.py"), script);
        var command = new java.util.ArrayList<>(List.of(python, file.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(workDir.resolve("python.log").toFile())
                .start();
        process.getOutputStream().close();
        boolean finished = process.waitFor(300, TimeUnit.SECONDS);
        String output = Files.readString(workDir.resolve("python.log"), StandardCharsets.UTF_8);
        assertThat(finished).as("python finished in time: %s", output).isTrue();
        assertThat(process.exitValue()).as("python output: %s", output).isZero();
        List<String> lines = output.lines().toList();
        return new JsonMapper().readTree(lines.getLast());
    }
}
