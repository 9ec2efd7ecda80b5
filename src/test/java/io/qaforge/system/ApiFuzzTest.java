package io.qaforge.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import io.qaforge.training.TrainingFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schemathesis against the service's own OpenAPI document, with the API token set and real ids seeded (a document, a
 * job with pairs, an exam, a training run, a dataset) so that generated requests reach past the 404s. Passes when no
 * request answers 5xx and every 4xx is a problem+json (src/test/schemathesis). Bounded here by examples per
 * operation; bench/fuzz.sh runs it longer, with every phase ({@code -Dqaforge.fuzz.api-examples}, {@code -Dqaforge.fuzz.api-phases}).
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.security.api-token=" + ApiFuzzTest.TOKEN,
        "qaforge.security.worker-token=" + TrainingFixtures.WORKER_TOKEN,
        // Nothing listens there: a fuzzed Hub push fails at once instead of waiting on an unreachable Hub.
        "qaforge.hub.endpoint=http://127.0.0.1:9"})
class ApiFuzzTest {

    static final String TOKEN = "fuzz-api-token";
    static final int EXAMPLES = Integer.getInteger("qaforge.fuzz.api-examples", 10);
    /** The suite leaves out the coverage phase (boundary values of every parameter: minutes, whatever the examples). */
    static final String PHASES = System.getProperty("qaforge.fuzz.api-phases", "fuzzing,stateful");
    static final Path CONFIG = Path.of("src/test/schemathesis");
    static final JsonMapper JSON = new JsonMapper();

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    @AfterEach
    void endRunsTheFuzzerQueued() {
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @Test
    void noGeneratedRequestAnswersAServerErrorOrAClientErrorThatIsNotAProblem() throws Exception {
        TrainingFixtures.endOpenRuns(jdbc);
        var fixtures = new TrainingFixtures(http, jdbc, TOKEN);
        UUID document = fixtures.document("rules.txt", TrainingFixtures.rules(6));
        UUID job = fixtures.job(document,
                new String[] {"How many players does a team field?", "Six.", "train"},
                new String[] {"Where does play restart?", "At the mark.", "train"},
                new String[] {"What follows repeated breaches?", "A sin bin.", "test"});
        String exam = id(fixtures.post("/api/exams", Map.of("name", "Rules", "questions", List.of(
                Map.of("question", "How many players does a team field?", "answer", "Six.")))));
        String training = id(fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B")));
        String dataset = id(fixtures.post("/api/datasets", Map.of("name", "rules", "jobIds", List.of(job))));
        // DELETE gets ids of its own, so that the other operations keep theirs.
        UUID documentToDelete = fixtures.document("more-rules.txt", TrainingFixtures.rules(2));
        String examToDelete = id(fixtures.post("/api/exams", Map.of("name", "More rules", "questions", List.of(
                Map.of("question", "Where does play restart?", "answer", "At the mark.")))));
        String datasetToDelete = id(fixtures.post("/api/datasets", Map.of("name", "more-rules", "jobIds", List.of(job))));

        Path report = Files.createDirectories(Path.of("target/schemathesis").toAbsolutePath());
        // Read here, where a slow first rendering of the document meets no client timeout.
        Path openApi = Files.writeString(report.resolve("openapi.json"), http.getForObject("/v3/api-docs", String.class));
        ProcessBuilder schemathesis = new ProcessBuilder(venv() + "/bin/schemathesis",
                "--config-file", CONFIG.resolve("schemathesis.toml").toAbsolutePath().toString(), "run", openApi.toString(),
                "--url", "http://localhost:" + port, "--max-examples", String.valueOf(EXAMPLES), "--phases", PHASES, "--seed", "1",
                "--workers", "2", "--report", "ndjson", "--report-dir", report.toString())
                // There, where its cache goes too.
                .directory(report.toFile()).redirectErrorStream(true).redirectOutput(report.resolve("output.txt").toFile());
        Map<String, String> environment = schemathesis.environment();
        environment.put("QAFORGE_FUZZ_HOOKS", CONFIG.resolve("hooks.py").toAbsolutePath().toString());
        environment.put("QAFORGE_API_TOKEN", TOKEN);
        environment.put("QAFORGE_WORKER_TOKEN", TrainingFixtures.WORKER_TOKEN);
        environment.put("NO_COLOR", "1");
        environment.putAll(Map.of("QAFORGE_FUZZ_DOCUMENT", document.toString(), "QAFORGE_FUZZ_JOB", job.toString(),
                "QAFORGE_FUZZ_EXAM", exam, "QAFORGE_FUZZ_TRAINING", training, "QAFORGE_FUZZ_DATASET", dataset,
                "QAFORGE_FUZZ_DOCUMENT_TO_DELETE", documentToDelete.toString(), "QAFORGE_FUZZ_EXAM_TO_DELETE", examToDelete,
                "QAFORGE_FUZZ_DATASET_TO_DELETE", datasetToDelete));
        Process process = schemathesis.start();
        assertThat(process.waitFor(20, TimeUnit.MINUTES)).as("schemathesis ended").isTrue();
        String output = Files.readString(report.resolve("output.txt"));
        System.out.println(output);
        try (var files = Files.list(report)) {
            summarise(files.filter(f -> f.getFileName().toString().startsWith("ndjson-")).max(Comparator.naturalOrder()).orElseThrow());
        }
        assertThat(process.exitValue()).as(output).isZero();
    }

    /**
     * Per operation, from schemathesis' event log: requests sent, those that failed a check, and the answers' status
     * classes (an operation that only ever answers 404 was never reached).
     */
    private static void summarise(Path events) throws IOException {
        record Tally(AtomicInteger tried, AtomicInteger failed, Map<String, Integer> statuses) {
        }
        var tallies = new TreeMap<String, Tally>();
        for (String line : Files.readAllLines(events)) {
            JsonNode recorder = JSON.readTree(line).path("ScenarioFinished").path("recorder");
            if (!recorder.has("interactions")) {
                continue;
            }
            Tally tally = tallies.computeIfAbsent(recorder.get("label").asString(), label -> new Tally(new AtomicInteger(), new AtomicInteger(), new TreeMap<>()));
            recorder.get("interactions").forEach(interaction -> {
                tally.tried().incrementAndGet();
                int status = interaction.path("response").path("status_code").asInt();
                tally.statuses().merge(status == 404 ? "404" : status / 100 + "xx", 1, Integer::sum);
            });
            recorder.get("checks").forEach(checks -> {
                if (checks.findValuesAsString("status").contains("failure")) {
                    tally.failed().incrementAndGet();
                }
            });
        }
        tallies.forEach((operation, tally) -> System.out.printf("bench fuzz api %-55s tried=%d failed=%d %s%n",
                operation, tally.tried().get(), tally.failed().get(), tally.statuses()));
        System.out.printf("bench fuzz api total: operations=%d tried=%d failed=%d 5xx=%d only-404=%d%n", tallies.size(),
                tallies.values().stream().mapToInt(t -> t.tried().get()).sum(),
                tallies.values().stream().mapToInt(t -> t.failed().get()).sum(),
                tallies.values().stream().mapToInt(t -> t.statuses().getOrDefault("5xx", 0)).sum(),
                tallies.values().stream().filter(t -> t.statuses().keySet().equals(Set.of("404"))).count());
    }

    private static String id(ResponseEntity<JsonNode> created) {
        assertThat(created.getStatusCode().is2xxSuccessful()).as("%s", created.getBody()).isTrue();
        return created.getBody().get("id").asString();
    }

    /** The venv src/test/schemathesis/venv makes (once per lock file). */
    private static String venv() throws IOException, InterruptedException {
        Process venv = new ProcessBuilder(CONFIG.resolve("venv").toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String path = new String(venv.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(venv.waitFor()).as("src/test/schemathesis/venv").isZero();
        return path;
    }
}
