package io.qaforge.hub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.qaforge.training.TrainingFixtures;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A training run's adapter (and merged model) pushed to a Hub model repo, against the fake Hub. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "qaforge.security.worker-token=worker-secret")
class ModelPushTest {

    static final FakeHub hub = start();

    @DynamicPropertySource
    static void hubEndpoint(DynamicPropertyRegistry registry) {
        registry.add("qaforge.hub.endpoint", hub::url);
        registry.add("qaforge.hub.initial-backoff", () -> "10ms");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    TrainingFixtures fixtures;

    @BeforeEach
    void setUp() {
        hub.reset();
        fixtures = new TrainingFixtures(http, jdbc, null);
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @AfterEach
    void tearDown() {
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void anAdapterIsPushedAsAModelRepoWithACardGivingItsRecallAndDataset() {
        UUID job = job();
        assertThat(pushed(fixtures.post("/api/jobs/" + job + "/hub-push", Map.of("repoId", "touch-qa", "token", FakeHub.WRITE_TOKEN))
                .getBody()).get("status").asString()).isEqualTo("SUCCEEDED");
        byte[] weights = "lora weights ".repeat(100).getBytes(StandardCharsets.UTF_8);
        String run = trainedRun(job, Map.of("adapter_config.json", "{\"peft_type\": \"LORA\"}".getBytes(StandardCharsets.UTF_8),
                "adapter_model.safetensors", weights, "chat_template.jinja", "{{ messages }}".getBytes(StandardCharsets.UTF_8),
                "README.md", "the worker's own".getBytes(StandardCharsets.UTF_8), "../escape.txt", "x".getBytes(StandardCharsets.UTF_8)));
        hub.requests.clear();

        ResponseEntity<JsonNode> accepted = fixtures.post("/api/trainings/" + run + "/hub-push",
                Map.of("repoId", "touch-adapter", "token", FakeHub.WRITE_TOKEN, "license", "apache-2.0"));
        assertThat(accepted.getStatusCode().value()).as("%s", accepted.getBody()).isEqualTo(202);
        JsonNode push = pushed(accepted.getBody());
        assertThat(push.get("status").asString()).as("%s", push).isEqualTo("SUCCEEDED");
        assertThat(push.get("trainingId").asString()).isEqualTo(run);
        assertThat(push.get("format").asString()).isEqualTo("adapter");
        assertThat(push.get("repoUrl").asString()).isEqualTo(hub.url() + "/alice/touch-adapter");
        assertThat(push.get("commitUrl").asString()).isEqualTo(hub.url() + "/alice/touch-adapter/commit/abc123");

        Map<String, byte[]> files = hub.models.get("alice/touch-adapter");
        assertThat(files).containsOnlyKeys("adapter_config.json", "adapter_model.safetensors", "chat_template.jinja", "README.md");
        assertThat(files.get("adapter_model.safetensors")).isEqualTo(weights);
        assertThat(hub.count("PUT", "/lfs-upload/")).as("weights travel through LFS").isEqualTo(1);
        assertThat(hub.privacy.get("model:alice/touch-adapter")).isTrue();
        assertThat(hub.requests).as("every Hub call carries the caller's token").allMatch(r -> r.path().startsWith("/lfs-upload/")
                || ("Bearer " + FakeHub.WRITE_TOKEN).equals(r.authorization()));

        String card = new String(files.get("README.md"), StandardCharsets.UTF_8);
        assertThat(card).startsWith("---\nbase_model: Qwen/Qwen2.5-0.5B-Instruct\nbase_model_relation: adapter\nlibrary_name: peft\nlicense: apache-2.0\n")
                .contains("datasets:\n- alice/touch-qa\n")
                .contains("| before (base model, closed book) | 2 | — | 0.00 | 0.10 | 0.00 | — |")
                .contains("| in context (source text in the prompt) | 2 | — | 0.50 | 0.90 | 1.00 | — |")
                .contains("| after (this model, closed book) | 2 | 1.00 | 0.50 | 0.70 | 0.50 | — |")
                .contains("Recovery ratio (after − before) / (in context − before), on keyFacts: 0.50")
                .contains("Retention (questions unrelated to the documents, answered closed book, to measure forgetting): 0.42 right "
                        + "before training, 0.40 after (231 questions).")
                .contains("PeftModel.from_pretrained(base, \"alice/touch-adapter\")")
                .contains("- dataset: [alice/touch-qa](" + hub.url() + "/datasets/alice/touch-qa)")
                .contains("- source document: touch.txt (1 page)").contains("| epochs | 3 |")
                .doesNotContain("the worker's own");
    }

    @Test
    void aMergedModelIsPushedWhenTheRunDeliveredOne() {
        UUID job = job();
        String run = trainedRun(job, Map.of("adapter_config.json", "{}".getBytes(), "adapter_model.safetensors", "w".getBytes()));
        assertProblem(fixtures.post("/api/trainings/" + run + "/hub-push", Map.of("repoId", "merged", "token", FakeHub.WRITE_TOKEN, "merged", true)),
                409, "no-merged", "merge: true");

        jdbc.update("UPDATE training_run SET status = 'RUNNING', worker_id = 'gpu-1' WHERE id = ?::uuid", run);
        String artifacts = "/api/worker/trainings/" + run + "/artifacts";
        fixtures.upload(http.getRootUri() + artifacts, "merged", "gpu-1", TrainingFixtures.zip(Map.of("config.json", "{}".getBytes(),
                "model.safetensors", "full weights".getBytes())));
        jdbc.update("UPDATE training_run SET status = 'SUCCEEDED' WHERE id = ?::uuid", run);

        JsonNode push = pushed(fixtures.post("/api/trainings/" + run + "/hub-push",
                Map.of("repoId", "alice/touch-merged", "private", false, "token", FakeHub.WRITE_TOKEN, "merged", true)).getBody());
        assertThat(push.get("status").asString()).as("%s", push).isEqualTo("SUCCEEDED");
        assertThat(push.get("format").asString()).isEqualTo("merged");
        Map<String, byte[]> files = hub.models.get("alice/touch-merged");
        assertThat(files).containsOnlyKeys("config.json", "model.safetensors", "README.md");
        assertThat(new String(files.get("README.md"), StandardCharsets.UTF_8)).contains("library_name: transformers")
                .contains("base_model_relation: finetune").contains("AutoModelForCausalLM.from_pretrained(\"alice/touch-merged\")");
        assertThat(hub.privacy.get("model:alice/touch-merged")).isFalse();
    }

    @Test
    void aPushNeedsAWriteTokenFromTheCallerAndSomethingToPush() {
        UUID job = job();
        String run = trainedRun(job, Map.of("adapter_config.json", "{}".getBytes(), "adapter_model.safetensors", "w".getBytes()));
        assertProblem(fixtures.post("/api/trainings/" + run + "/hub-push", Map.of("repoId", "x")), 400, "hub-token-missing", "HF_TOKEN");
        assertProblem(fixtures.post("/api/trainings/" + run + "/hub-push", Map.of("repoId", "x", "token", FakeHub.READ_TOKEN)), 403, "hub-forbidden");
        assertProblem(fixtures.post("/api/trainings/" + run + "/hub-push", Map.of("repoId", "x", "token", "hf_wrong")), 401, "hub-unauthorized");
        assertProblem(fixtures.post("/api/trainings/" + run + "/hub-push", Map.of("repoId", "x", "token", "hf_\u00de\u00e9 x")), 400, "invalid-hub-token", "'token'");
        assertProblem(fixtures.post("/api/trainings/" + UUID.randomUUID() + "/hub-push", Map.of("repoId", "x", "token", FakeHub.WRITE_TOKEN)),
                404, "not-found");
        String queued = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        assertProblem(fixtures.post("/api/trainings/" + queued + "/hub-push", Map.of("repoId", "x", "token", FakeHub.WRITE_TOKEN)),
                409, "no-adapter", "QUEUED");
        assertThat(hub.models).isEmpty();
    }

    private UUID job() {
        UUID document = fixtures.document("touch.txt", "Touch is played six a side. A half lasts twenty minutes. Model push " + UUID.randomUUID());
        return fixtures.job(document, new String[] {"How many players?", "Six.", "test"}, new String[] {"How long is a half?", "20 minutes.", "test"},
                new String[] {"Who plays?", "Two teams.", "train"});
    }

    /** A run on the job that a worker trained, delivering this adapter zip, with a recall summary. */
    private String trainedRun(UUID job, Map<String, byte[]> adapter) {
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct", "params", Map.of("epochs", 3)))
                .getBody().get("id").asString();
        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("id").asString()).isEqualTo(run);
        assertThat(fixtures.upload(claim.get("artifactUrl").asString(), "adapter", "gpu-1", TrainingFixtures.zip(adapter)).getStatusCode().value())
                .isEqualTo(201);
        Map<String, Object> recall = Map.of(
                "before", Map.of("questions", 2, "exactMatch", 0.0, "tokenF1", 0.1, "contained", 0.0),
                "inContext", Map.of("questions", 2, "exactMatch", 0.5, "tokenF1", 0.9, "contained", 1.0),
                "after", Map.of("questions", 2, "keyFacts", 1.0, "exactMatch", 0.5, "tokenF1", 0.7, "contained", 0.5),
                "recoveryRatio", 0.5, "recoveryRatioMetric", "keyFacts",
                "retention", Map.of("questions", 231, "metric", "keyFacts", "before", 0.42, "after", 0.4));
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + run + "/complete",
                Map.of("workerId", "gpu-1", "results", List.of(), "recall", recall)).getStatusCode().value()).isEqualTo(200);
        return run;
    }

    private JsonNode pushed(JsonNode accepted) {
        String id = accepted.get("id").asString();
        await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.get("/api/hub-pushes/" + id).getBody().get("finishedAt").isString());
        return fixtures.get("/api/hub-pushes/" + id).getBody();
    }

    private static FakeHub start() {
        try {
            return new FakeHub();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
