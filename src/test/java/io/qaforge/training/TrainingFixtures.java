package io.qaforge.training;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import tools.jackson.databind.JsonNode;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.ProblemDetails;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Jobs as the generation engine leaves them (a document uploaded through the API, then job, task and pair rows), and
 * the calls a user and a worker make, for the training, exam and Hub tests.
 */
public class TrainingFixtures {

    public static final String WORKER_TOKEN = "worker-secret";

    private final TestRestTemplate http;
    private final JdbcTemplate jdbc;
    private final String apiToken;

    public TrainingFixtures(TestRestTemplate http, JdbcTemplate jdbc, String apiToken) {
        this.http = http;
        this.jdbc = jdbc;
        this.apiToken = apiToken;
    }

    /**
     * Tests share one database, and a worker claims the oldest run: runs another test left queued or running would be
     * claimed first. Tests that claim end them before and after.
     */
    public static void endOpenRuns(JdbcTemplate jdbc) {
        jdbc.update("UPDATE training_run SET status = 'CANCELLED', finished_at = now() WHERE status IN ('QUEUED', 'RUNNING')");
    }

    /** Uploads a text document through the API and waits until its chunks exist (READY); returns its id. */
    public UUID document(String name, String text) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", file(name, text.getBytes(StandardCharsets.UTF_8)));
        ResponseEntity<JsonNode> created = exchange(HttpMethod.POST, "/api/documents", body, MediaType.MULTIPART_FORM_DATA, apiToken);
        assertThat(created.getStatusCode().is2xxSuccessful()).as("%s", created.getBody()).isTrue();
        String id = created.getBody().get("id").asString();
        await().atMost(Duration.ofMinutes(1)).until(() -> get("/api/documents/" + id).getBody().get("status").asString(), status -> !status.equals("PROCESSING"));
        return UUID.fromString(id);
    }

    /**
     * A finished job over the document's chunks holding these pairs ({question, answer, split}), the i-th pair on chunk
     * i modulo the chunk count.
     */
    public UUID job(UUID document, String[]... pairs) {
        UUID job = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, 'SUCCEEDED', 'openai', 'gpt-4o-mini', 'A test document.', '{}', '{}')""", job);
        jdbc.update("INSERT INTO job_document (job_id, document_id) VALUES (?, ?)", job, document);
        List<Long> chunks = jdbc.queryForList("SELECT id FROM chunk WHERE document_id = ? ORDER BY ordinal", Long.class, document);
        for (int i = 0; i < pairs.length; i++) {
            long chunk = chunks.get(i % chunks.size());
            long task = jdbc.queryForObject("""
                    INSERT INTO task (id, job_id, chunk_id, temperature, variant, status)
                    VALUES (nextval('task_seq'), ?, ?, 0.5, ?, 'DONE') RETURNING id""", Long.class, job, chunk, "v" + i);
            jdbc.update("""
                    INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model, attempt, split)
                    VALUES (nextval('qa_pair_seq'), ?, ?, ?, 0, ?, ?, 0.5, ?, 'gpt-4o-mini', 1, ?)""",
                    job, task, chunk, pairs[i][0], pairs[i][1], "v" + i, pairs[i][2]);
        }
        return job;
    }

    /**
     * Paragraphs of rules, each opening with the "Fact N" marker the generation fake keys on: one chunk each where
     * chunks hold about 100 tokens ({@code qaforge.documents.chunk-target-tokens=100}).
     */
    public static String rules(int count) {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            text.append("Fact ").append(i).append(". In international touch rugby, rule ").append(i)
                    .append(" says that a team of six players must restart play within ").append(i % 7 + 3)
                    .append(" seconds after a touch, standing ").append(i % 5 + 5).append(" metres back from the mark. ")
                    .append("A referee who sees rule ").append(i).append(" broken awards a penalty to the other team, and ")
                    .append("repeated breaches of it lead to a sin bin of ").append(i % 3 + 2).append(" minutes.\n\n");
        }
        return text.toString();
    }

    public ResponseEntity<JsonNode> post(String path, Object body) {
        return exchange(HttpMethod.POST, path, body, MediaType.APPLICATION_JSON, apiToken);
    }

    public ResponseEntity<JsonNode> get(String path) {
        return exchange(HttpMethod.GET, path, null, null, apiToken);
    }

    public ResponseEntity<JsonNode> worker(HttpMethod method, String path, Object body) {
        return exchange(method, path, body, MediaType.APPLICATION_JSON, WORKER_TOKEN);
    }

    /** Claims as this worker; the claim, or null when nothing was claimable (204). */
    public JsonNode claim(String workerId) {
        ResponseEntity<JsonNode> claim = worker(HttpMethod.POST, "/api/worker/trainings/claim", Map.of("workerId", workerId, "leaseSeconds", 60));
        assertThat(claim.getStatusCode().value()).as("%s", claim.getBody()).isIn(200, 204);
        return claim.getStatusCode().value() == 204 ? null : claim.getBody();
    }

    /** PUTs an artifact zip as the worker does; the artifact URL from its claim. */
    public ResponseEntity<JsonNode> upload(String artifactUrl, String kind, String workerId, byte[] zip) {
        var headers = new HttpHeaders();
        headers.setBearerAuth(WORKER_TOKEN);
        headers.setContentType(MediaType.parseMediaType("application/zip"));
        return http.exchange(artifactUrl + "/" + kind + "?workerId=" + workerId, HttpMethod.PUT, new HttpEntity<>(zip, headers), JsonNode.class);
    }

    /** A zip of these files (name, content), as the worker packs an adapter: the same files give the same bytes. */
    public static byte[] zip(Map<String, byte[]> files) {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            for (var file : new TreeMap<>(files).entrySet()) {
                ZipEntry entry = new ZipEntry(file.getKey());
                entry.setTime(0);
                zip.putNextEntry(entry);
                zip.write(file.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A zip shaped like an adapter (config and weights at its root), with made-up weights. */
    public static byte[] fakeAdapter() {
        return zip(Map.of("adapter_config.json", "{\"peft_type\":\"LORA\",\"r\":16}".getBytes(StandardCharsets.UTF_8),
                "adapter_model.safetensors", "not really weights".repeat(50).getBytes(StandardCharsets.UTF_8),
                "metrics.json", "{}".getBytes(StandardCharsets.UTF_8)));
    }

    public static ByteArrayResource file(String name, byte[] content) {
        return new ByteArrayResource(content) {
            @Override
            public String getFilename() {
                return name;
            }
        };
    }

    public ResponseEntity<JsonNode> exchange(HttpMethod method, String path, Object body, MediaType type, String token) {
        var headers = new HttpHeaders();
        if (token != null) {
            headers.setBearerAuth(token);
        }
        if (type != null && body != null) {
            headers.setContentType(type);
        }
        return http.exchange(path, method, new HttpEntity<>(body, headers), JsonNode.class);
    }

    public static void assertProblem(ResponseEntity<JsonNode> response, int status, String slug, String... detailParts) {
        assertThat(response.getStatusCode().value()).as("%s", response.getBody()).isEqualTo(status);
        assertThat(response.getBody().get("type").asString()).as("%s", response.getBody()).isEqualTo("/problems/" + slug);
        ProblemDetails.assertInUsersWords(response.getBody().path("detail").asString());
        if (detailParts.length > 0) {
            assertThat(response.getBody().path("detail").asString()).contains(detailParts);
        }
    }
}
