package io.qaforge.training;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;
import tools.jackson.databind.JsonNode;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Runs on datasets of hand-written pairs: alone or mixed, weighted, and never examined on their own train questions by accident. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "qaforge.security.worker-token=worker-secret")
class HandWrittenTrainingTest {

    static final String PAIRS = """
            question,answer,split
            How long is a half?,Twenty minutes.,train
            Who founded the club?,Anna Berg.,train
            What colour is the ball?,Bright orange.,test
            """;

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    TrainingFixtures fixtures;

    @BeforeEach
    void setUp() {
        fixtures = new TrainingFixtures(http, jdbc, null);
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @AfterEach
    void tearDown() {
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @Test
    void aRunRefusesToTrainOnQuestionsOfItsOwnExamUnlessTheUserSaysTheyAreMeantToBeBoth() {
        String dataset = dataset(fixtures, PAIRS, List.of());
        String exam = fixtures.post("/api/exams", Map.of("name", "Club exam", "questions", List.of(
                Map.of("question", "how long is a  HALF?", "answer", "Twenty minutes."),
                Map.of("question", "What colour is the ball?", "answer", "Orange."),
                Map.of("question", "Where is the clubhouse?", "answer", "By the harbour.")))).getBody().get("id").asString();
        long runs = jdbc.queryForObject("SELECT count(*) FROM training_run", Long.class);

        ResponseEntity<JsonNode> refused = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "examId", exam,
                "baseModel", "Qwen/Qwen2.5-0.5B-Instruct"));
        assertProblem(refused, 400, "exam-overlap", "1 of the exam's questions", "\"how long is a  HALF?\"", "examOverlap: true");
        assertThat(refused.getBody().get("detail").asString()).as("test rows are not trained on").doesNotContain("colour");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM training_run", Long.class)).isEqualTo(runs);

        ResponseEntity<JsonNode> meant = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "examId", exam,
                "baseModel", "Qwen/Qwen2.5-0.5B-Instruct", "examOverlap", true));
        assertThat(meant.getStatusCode().value()).as("%s", meant.getBody()).isEqualTo(201);
        assertThat(fixtures.post("/api/trainings", Map.of("datasetId", dataset, "examId", exam, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "evaluateOnly", true)).getStatusCode().value()).as("an evaluation trains on nothing").isEqualTo(201);
    }

    @Test
    void aRunOnHandWrittenPairsAloneGetsEachTrainPairTheConfiguredNumberOfTimesPerEpoch() {
        String dataset = dataset(fixtures, PAIRS, List.of());
        JsonNode run = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "handWrittenRepeat", 3)).getBody();
        assertThat(run.get("handWrittenRepeat").asInt()).as("%s", run).isEqualTo(3);
        assertThat(run.get("jobIds")).isEmpty();

        JsonNode claim = fixtures.claim("hand-worker");
        assertThat(claim.get("id").asString()).isEqualTo(run.get("id").asString());
        List<String> train = rows(claim.at("/datasetUrls/train").asString());
        assertThat(train).hasSize(2 * 3);
        assertThat(Collections.frequency(train.stream().map(r -> r.contains("How long is a half?")).toList(), true)).isEqualTo(3);
        assertThat(Collections.frequency(train.stream().map(r -> r.contains("Who founded the club?")).toList(), true)).isEqualTo(3);
        assertThat(rows(claim.at("/datasetUrls/test").asString())).singleElement().asString().contains("What colour is the ball?");
    }

    @Test
    void aWeightNeedsHandWrittenTrainPairsAndStaysInRange() {
        UUID document = fixtures.document("weights-" + UUID.randomUUID() + ".txt", "Touch is played six a side.");
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "train"});
        assertProblem(fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct", "handWrittenRepeat", 2)),
                400, "invalid-training-source", "handWrittenRepeat");
        String dataset = dataset(fixtures, PAIRS, List.of(job));
        assertProblem(fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "handWrittenRepeat", 1001)), 400, "invalid-request", "handWrittenRepeat");
        assertProblem(fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "handWrittenRepeat", 0)), 400, "invalid-request", "handWrittenRepeat");
    }

    /** Uploads a pairs file as a dataset, combined with these jobs; returns its id. */
    static String dataset(TrainingFixtures fixtures, String csv, List<UUID> jobIds) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", TrainingFixtures.file("pairs.csv", csv.getBytes(StandardCharsets.UTF_8)));
        jobIds.forEach(job -> body.add("jobIds", job.toString()));
        ResponseEntity<JsonNode> created = fixtures.exchange(HttpMethod.POST, "/api/datasets", body, MediaType.MULTIPART_FORM_DATA, null);
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        return created.getBody().get("id").asString();
    }

    private List<String> rows(String url) {
        var headers = new HttpHeaders();
        headers.setBearerAuth(TrainingFixtures.WORKER_TOKEN);
        return http.exchange(url, HttpMethod.GET, new HttpEntity<>(headers), String.class).getBody().lines().toList();
    }
}
