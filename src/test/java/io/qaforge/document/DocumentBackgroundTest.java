package io.qaforge.document;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.document.upload.Originals;
import io.qaforge.system.ApiProblem;

import static io.qaforge.document.DocumentApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every upload answered at once (202) and extracted in the background, with originals kept in a directory: progress
 * over GET and SSE, failures recorded, re-extraction, and a crashed replica's documents resumed or failed.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.ingestion.respond-within=0s",
        "qaforge.documents.ingestion.lease=2s",
        "qaforge.documents.ingestion.originals-dir=${java.io.tmpdir}/qaforge-test-originals"})
class DocumentBackgroundTest {

    static final JsonMapper JSON = new JsonMapper();

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    TransactionTemplate transaction;
    @Autowired
    Originals originals;
    @Autowired
    DocumentRepository repository;
    @LocalServerPort
    int port;
    DocumentClient documents;

    @BeforeEach
    void emptyDatabase() {
        jdbc.execute("TRUNCATE document CASCADE");
        documents = new DocumentClient(http);
    }

    @Test
    void aSlowUploadIsAcceptedAndItsProgressStreamedUntilReady() throws Exception {
        byte[] scan = TestPdfs.scanned(TestPdfs.book(DocumentApiTest.rulebookPages(3)), Set.of());

        ResponseEntity<JsonNode> accepted = documents.upload(scan, "scan.pdf");

        assertThat(accepted.getStatusCode().value()).isEqualTo(202);
        String id = accepted.getBody().get("id").asString();
        assertThat(accepted.getHeaders().getLocation()).hasToString("/api/documents/" + id);
        assertThat(accepted.getBody().get("status").asString()).isEqualTo("PROCESSING");
        assertThat(accepted.getBody().get("pages").asInt()).isEqualTo(3);
        assertThatThrownBy(() -> repository.requireReady(List.of(UUID.fromString(id))))
                .isInstanceOfSatisfying(ApiProblem.class, problem -> assertThat(problem.status().value()).isEqualTo(409))
                .hasMessageContaining("still being extracted");

        List<JsonNode> events = events(id);

        assertThat(events).isNotEmpty();
        assertThat(events.getFirst().get("status").asString()).isEqualTo("PROCESSING");
        JsonNode last = events.getLast();
        assertThat(last.get("status").asString()).isEqualTo("READY");
        assertThat(last.get("pagesDone").asInt()).isEqualTo(3);
        assertThat(last.get("ocrPages").asInt()).isEqualTo(3);
        int previous = 0;
        for (JsonNode event : events) {
            assertThat(event.get("pagesDone").asInt()).as("pages done never go back").isGreaterThanOrEqualTo(previous);
            previous = event.get("pagesDone").asInt();
        }
        assertThat(documents.document(id).get("chunkCount").asInt()).isEqualTo(documents.chunks(id).size()).isPositive();
        repository.requireReady(List.of(UUID.fromString(id)));
        // A finished document's stream shows it once and ends.
        assertThat(events(id)).singleElement().satisfies(event -> assertThat(event.get("status").asString()).isEqualTo("READY"));
    }

    @Test
    void aFailureFoundInTheBackgroundIsRecordedWithItsProblem() throws Exception {
        ResponseEntity<JsonNode> accepted = documents.upload(TestPdfs.textHeavy(1, 200L << 20), "bomb.pdf");
        assertThat(accepted.getStatusCode().value()).isEqualTo(202);
        String id = accepted.getBody().get("id").asString();

        JsonNode failed = documents.settle(id);

        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.at("/error/type").asString()).isEqualTo("/problems/page-text-too-large");
        assertThat(failed.at("/error/detail").asString()).contains("200000");
        assertThat(failed.get("chunkCount").asInt()).isZero();
        assertThat(jdbc.queryForObject("select count(*) from chunk", Integer.class)).isZero();
        assertThatThrownBy(() -> repository.requireReady(List.of(UUID.fromString(id))))
                .isInstanceOfSatisfying(ApiProblem.class, problem -> assertThat(problem.status().value()).isEqualTo(409))
                .hasMessageContaining("failed to extract");
        assertThatThrownBy(() -> repository.requireReady(List.of(UUID.randomUUID())))
                .isInstanceOfSatisfying(ApiProblem.class, problem -> assertThat(problem.status().value()).isEqualTo(422));
    }

    @Test
    void reprocessingExtractsAgainFromTheKeptOriginalWithNewSettings() throws Exception {
        byte[] mixed = TestPdfs.scanned(TestPdfs.book(DocumentApiTest.rulebookPages(2)), Set.of(0));
        String id = documents.upload(mixed, "mixed.pdf", Map.of("ocr", "off")).getBody().get("id").asString();
        JsonNode textOnly = documents.settle(id);
        assertThat(textOnly.get("status").asString()).isEqualTo("READY");
        assertThat(textOnly.get("ocrPages").asInt()).isZero();
        assertThat(documents.text(id)).contains("Section 1 adds").doesNotContain("Section 2 adds");
        assertThat(Files.exists(originalsDir().resolve(id))).isTrue();

        ResponseEntity<JsonNode> reprocess = post("/api/documents/" + id + "/reprocess", Map.of("ocr", "auto"));
        assertThat(reprocess.getStatusCode().value()).isEqualTo(202);
        assertThat(reprocess.getBody().get("status").asString()).isEqualTo("PROCESSING");
        assertProblem(post("/api/documents/" + id + "/reprocess", Map.of()), 409, "document-processing");

        JsonNode again = documents.settle(id);
        assertThat(again.get("status").asString()).isEqualTo("READY");
        assertThat(again.get("ocr").asString()).isEqualTo("auto");
        assertThat(again.get("ocrPages").asInt()).isEqualTo(1);
        assertThat(documents.text(id)).contains("Section 1 adds", "Section 2 adds");
        assertThat(jdbc.queryForObject("select count(*) from chunk where document_id = ?::uuid", Integer.class, id))
                .isEqualTo(again.get("chunkCount").asInt());

        assertProblem(post("/api/documents/" + UUID.randomUUID() + "/reprocess", Map.of()), 404, "not-found");
        assertProblem(post("/api/documents/" + id + "/reprocess", Map.of("ocrLanguages", "xx_nope")), 400, "unknown-ocr-language");
        http.delete("/api/documents/" + id);
        assertThat(Files.exists(originalsDir().resolve(id))).as("original deleted with the document").isFalse();
    }

    @Test
    void aDocumentWhoseReplicaDiedIsResumedAndOneThatKeepsDyingIsFailed() throws Exception {
        UUID resumed = orphan("resumed.txt", "A document left PROCESSING by a replica that was killed.", 1);
        UUID doomed = orphan("doomed.txt", "A document whose extraction killed its replica three times.", 3);

        JsonNode ready = documents.settle(resumed.toString());
        JsonNode failed = documents.settle(doomed.toString());

        assertThat(ready.get("status").asString()).isEqualTo("READY");
        assertThat(documents.text(resumed.toString())).isEqualTo("A document left PROCESSING by a replica that was killed.");
        assertThat(ready.get("chunkCount").asInt()).isEqualTo(documents.chunks(resumed.toString()).size()).isEqualTo(1);
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.at("/error/type").asString()).isEqualTo("/problems/extraction-crashed");
        assertThat(documents.chunks(doomed.toString())).isEmpty();
    }

    /** A document as a replica killed mid-extraction leaves it: PROCESSING, its lease run out, its original kept. */
    private UUID orphan(String name, String text, int attempts) throws Exception {
        UUID id = UUID.randomUUID();
        Path file = Files.writeString(Files.createTempFile("orphan", ".txt"), text);
        transaction.executeWithoutResult(status -> {
            jdbc.update("""
                    INSERT INTO document (id, name, sha256, media_type, size_bytes, pages, tokens, chunk_count, status, attempts, lease_until)
                    VALUES (?, ?, ?, 'text/plain', ?, 1, 0, 0, 'PROCESSING', ?, now() - interval '1 minute')""",
                    id, name, String.format("%064x", id.getLeastSignificantBits() & Long.MAX_VALUE), text.length(), attempts);
            originals.store(id, file);
        });
        return id;
    }

    private Path originalsDir() {
        return Path.of(System.getProperty("java.io.tmpdir"), "qaforge-test-originals");
    }

    private ResponseEntity<JsonNode> post(String path, Object body) throws Exception {
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return http.postForEntity(path, new HttpEntity<>(JSON.writeValueAsString(body), headers), JsonNode.class);
    }

    /** Reads the document's event stream to its end. */
    private List<JsonNode> events(String id) throws Exception {
        try (var client = HttpClient.newHttpClient()) {
            var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/documents/" + id + "/events"))
                    .timeout(Duration.ofMinutes(3)).build();
            HttpResponse<java.util.stream.Stream<String>> response = client.send(request,
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            List<JsonNode> events = new ArrayList<>();
            String event = null;
            for (String line : (Iterable<String>) response.body()::iterator) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    assertThat(event).isEqualTo("document");
                    events.add(JSON.readTree(line.substring(5).getBytes(StandardCharsets.UTF_8)));
                }
            }
            return events;
        }
    }
}
