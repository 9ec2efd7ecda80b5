package io.qaforge.training;

import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "qaforge.security.worker-token=worker-secret")
class TrainingApiTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aWorkerClaimsReportsAndCompletesARun() {
        UUID job = job("SUCCEEDED");
        pairs(job, new String[][]{{"How many players?", "Six.", "train", null}, {"How long is a half?", "20 minutes.", "train", null},
                {"Which line?", "The scoreline.", "test", null}, {"Rejected?", "Rejected.", "train", "duplicate"}});
        JsonNode created = post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2-0.5B",
                "params", Map.of("learningRate", 1e-4, "packing", true)), null).getBody();
        assertThat(created.get("status").asString()).isEqualTo("QUEUED");
        String id = created.get("id").asString();

        assertThat(post("/api/worker/trainings/claim", Map.of("workerId", "gpu-1"), null).getStatusCode().value()).isEqualTo(401);
        ResponseEntity<JsonNode> claim = post("/api/worker/trainings/claim", Map.of("workerId", "gpu-1"), "worker-secret");
        assertThat(claim.getStatusCode().value()).isEqualTo(200);
        assertThat(claim.getBody().get("id").asString()).isEqualTo(id);
        assertThat(claim.getBody().get("baseModel").asString()).isEqualTo("Qwen/Qwen2-0.5B");
        assertThat(claim.getBody().at("/params/packing").asBoolean()).isTrue();
        assertThat(claim.getBody().at("/datasetUrls/train").asString()).endsWith("/api/worker/trainings/" + id + "/dataset?split=train");
        assertThat(post("/api/worker/trainings/claim", Map.of("workerId", "gpu-2"), "worker-secret").getStatusCode().value())
                .as("nothing else queued").isEqualTo(204);

        // A study passage of the job: the train split carries it as a text row after the chat rows, the test split not.
        jdbc.update("""
                INSERT INTO study_passage (job_id, task_id, chunk_id, strategy, text, temperature, model)
                SELECT job_id, id, chunk_id, 'teacher', 'A team has six players.', 0.6, 'm' FROM task WHERE job_id = ? ORDER BY id LIMIT 1""", job);
        String train = dataset(claim.getBody().at("/datasetUrls/train").asString());
        assertThat(train.lines()).hasSize(2).first().satisfies(row -> assertThat(row)
                .startsWith("{\"messages\":[{\"role\":\"user\",\"content\":\"How many players?\"}")
                .contains("{\"role\":\"assistant\",\"content\":\"Six.\"}")
                .doesNotContain("Rejected"));
        assertThat(train.lines().toList().getLast()).matches("\\{\"text\":\"A team has six players.\",\"strategy\":\"teacher\",\"chunkId\":\"\\d+\"}");
        assertThat(dataset(claim.getBody().at("/datasetUrls/test").asString())).contains("Which line?").doesNotContain("How many", "six players");

        ResponseEntity<JsonNode> beat = post("/api/worker/trainings/" + id + "/heartbeat",
                Map.of("workerId", "gpu-1", "step", 10, "totalSteps", 100, "loss", 2.5, "phase", "training"), "worker-secret");
        assertThat(beat.getBody().get("cancelRequested").asBoolean()).isFalse();
        post("/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "gpu-1", "step", 20, "totalSteps", 100, "loss", 1.9), "worker-secret");
        assertThat(post("/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "intruder", "step", 1), "worker-secret")
                .getStatusCode().value()).isEqualTo(409);

        JsonNode running = http.getForObject("/api/trainings/" + id, JsonNode.class);
        assertThat(running.get("status").asString()).isEqualTo("RUNNING");
        assertThat(running.at("/progress/step").asInt()).isEqualTo(20);
        assertThat(running.get("history")).hasSize(2);
        assertThat(running.at("/history/0/loss").asDouble()).isEqualTo(2.5);

        assertThat(post("/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "metrics", Map.of("before", Map.of("correct", 2, "total", 11), "after", Map.of("correct", 8, "total", 11)),
                "report", Map.of("questions", 11)), "worker-secret").getStatusCode().value()).isEqualTo(200);
        JsonNode done = http.getForObject("/api/trainings/" + id, JsonNode.class);
        assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/metrics/after/correct").asInt()).isEqualTo(8);
        assertThat(done.get("artifacts")).as("the service stores what the worker uploads; nothing was").isEmpty();
        assertProblem(post("/api/trainings/" + id + "/cancel", Map.of(), null), 409, "training-finished");
    }

    @Test
    void cancellingAsksTheWorkerToStopAndItsFailureEndsTheRunAsCancelled() {
        String id = post("/api/trainings", Map.of("jobId", job("SUCCEEDED"), "baseModel", "tiny"), null).getBody().get("id").asString();
        claimAs("gpu-1", id);

        assertThat(post("/api/trainings/" + id + "/cancel", Map.of(), null).getBody().get("cancelRequested").asBoolean()).isTrue();
        JsonNode beat = post("/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "gpu-1", "step", 3), "worker-secret").getBody();
        assertThat(beat.get("cancelRequested").asBoolean()).isTrue();
        post("/api/worker/trainings/" + id + "/fail", Map.of("workerId", "gpu-1", "reason", "cancelled"), "worker-secret");

        assertThat(http.getForObject("/api/trainings/" + id, JsonNode.class).get("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void aRunWhoseWorkerDiedIsTakenOverAfterItsLeaseAndTheOldWorkerIsRefused() {
        String id = post("/api/trainings", Map.of("jobId", job("SUCCEEDED"), "baseModel", "tiny"), null).getBody().get("id").asString();
        claimAs("gpu-1", id);
        jdbc.update("UPDATE training_run SET lease_until = now() - interval '1 second' WHERE id = ?", UUID.fromString(id));

        claimAs("gpu-2", id);

        assertProblem(post("/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "gpu-1", "step", 5), "worker-secret"), 409, "lease-lost");
        assertProblem(post("/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1"), "worker-secret"), 409, "lease-lost");
        post("/api/worker/trainings/" + id + "/fail", Map.of("workerId", "gpu-2", "reason", "CUDA out of memory"), "worker-secret");
        JsonNode failed = http.getForObject("/api/trainings/" + id, JsonNode.class);
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("error").asString()).isEqualTo("CUDA out of memory");
    }

    @Test
    void aRunWaitsForItsJobToFinishGenerating() {
        UUID job = job("RUNNING");
        String id = post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny"), null).getBody().get("id").asString();
        assertThat(post("/api/worker/trainings/claim", Map.of("workerId", "gpu-1"), "worker-secret").getStatusCode().value()).isEqualTo(204);

        jdbc.update("UPDATE job SET status = 'COMPLETED_WITH_ERRORS' WHERE id = ?", job);

        claimAs("gpu-1", id);
    }

    @Test
    void aHeartbeatCarriesProgressNotPayloads() {
        String id = post("/api/trainings", Map.of("jobId", job("SUCCEEDED"), "baseModel", "tiny"), null).getBody().get("id").asString();
        claimAs("gpu-1", id);

        assertProblem(post("/api/worker/trainings/" + id + "/heartbeat",
                Map.of("workerId", "gpu-1", "step", 1, "notes", "x".repeat(100_000)), "worker-secret"), 413, "heartbeat-too-large");
        post("/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "gpu-1", "step", 2), "worker-secret");

        JsonNode run = http.getForObject("/api/trainings/" + id, JsonNode.class);
        assertThat(run.get("history")).as("only the small heartbeat is kept").hasSize(1);
        assertThat(run.at("/progress/step").asInt()).isEqualTo(2);
    }

    @Test
    void badRequestsAreProblems() {
        assertProblem(post("/api/trainings", Map.of("jobId", UUID.randomUUID(), "baseModel", "tiny"), null), 404, "not-found");
        assertProblem(post("/api/trainings", Map.of("jobId", UUID.randomUUID()), null), 400, "invalid-request");
        assertProblem(http.getForEntity("/api/trainings/" + UUID.randomUUID(), JsonNode.class), 404, "not-found");
        var headers = new HttpHeaders();
        headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
        assertProblem(http.exchange("/api/trainings", HttpMethod.POST, new HttpEntity<>("{\"jobId\": ", headers), JsonNode.class),
                400, "malformed-request-body");
    }

    private String dataset(String url) {
        var headers = new HttpHeaders();
        headers.setBearerAuth("worker-secret");
        ResponseEntity<String> response = http.exchange(url, HttpMethod.GET, new HttpEntity<>(headers), String.class);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return response.getBody();
    }

    private void claimAs(String worker, String expectedRun) {
        ResponseEntity<JsonNode> claim = post("/api/worker/trainings/claim", Map.of("workerId", worker, "leaseSeconds", 60), "worker-secret");
        assertThat(claim.getStatusCode().value()).isEqualTo(200);
        assertThat(claim.getBody().get("id").asString()).isEqualTo(expectedRun);
    }

    private UUID job(String status) {
        UUID id = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, ?, 'openai', 'gpt-4o-mini', 'Touch rugby rules', '{}', '{}')""", id, status);
        return id;
    }

    /** One document chunk and one task holding the given pairs: question, answer, split, rejected reason. */
    private void pairs(UUID job, String[][] pairs) {
        UUID document = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO document (id, name, sha256, media_type, size_bytes, pages, tokens, chunk_count, status)
                VALUES (?, 'rules.txt', ?, 'text/plain', 10, 1, 10, 1, 'READY')""", document, "%064d".formatted(job.hashCode() & 0x7fffffff));
        long chunk = jdbc.queryForObject("""
                INSERT INTO chunk (id, document_id, ordinal, text, tokens, page_from, page_to, char_from, char_to)
                VALUES (nextval('chunk_seq'), ?, 0, 'Touch is played six a side.', 10, 1, 1, 0, 27) RETURNING id""", Long.class, document);
        long task = jdbc.queryForObject("""
                INSERT INTO task (id, job_id, chunk_id, temperature, variant, status)
                VALUES (nextval('task_seq'), ?, ?, 0.5, 'standard', 'DONE') RETURNING id""", Long.class, job, chunk);
        for (int i = 0; i < pairs.length; i++) {
            jdbc.update("""
                    INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model, attempt,
                                         split, rejected_reason)
                    VALUES (nextval('qa_pair_seq'), ?, ?, ?, ?, ?, ?, 0.5, 'standard', 'm', 1, ?, ?)""",
                    job, task, chunk, i, pairs[i][0], pairs[i][1], pairs[i][2], pairs[i][3]);
        }
    }

    private ResponseEntity<JsonNode> post(String path, Object body, String token) {
        var headers = new HttpHeaders();
        if (token != null) {
            headers.setBearerAuth(token);
        }
        return http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, headers), JsonNode.class);
    }

    private static void assertProblem(ResponseEntity<JsonNode> response, int status, String slug) {
        assertThat(response.getStatusCode().value()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getBody().get("type").asString()).isEqualTo("/problems/" + slug);
    }
}
