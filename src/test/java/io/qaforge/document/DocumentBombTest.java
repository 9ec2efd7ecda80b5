package io.qaforge.document;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.generation.FakeOpenAi;
import io.qaforge.generation.JobStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Four DOCX files of a few hundred KB whose document part expands to 400 MB of empty paragraphs (under the archive
 * limit, and with no text for a text limit to stop), uploaded at once while a generation job runs. Parsed in the
 * service's heap they built XMLBeans trees of gigabytes and the service's threads died of OutOfMemoryError; parsed in a
 * child JVM with a small heap each is failed with its reason while the job, its view and the health check go on.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.chunk-target-tokens=100",
        "qaforge.documents.chunk-max-tokens=150",
        "qaforge.documents.ingestion.respond-within=0s",
        // Small enough for the bombs to exhaust it in seconds, large enough for an ordinary document.
        "qaforge.documents.parser.heap=64MB",
        // On a crowded machine a parse slows down: let the memory limit be what stops these ones.
        "qaforge.documents.parser.timeout=5m",
        "qaforge.generation.poll-interval=50ms",
        // Contexts share the test database: this engine must not take other tests' openai jobs.
        "qaforge.generation.providers.openai.base-url=",
        "qaforge.generation.providers.bombed.max-concurrency=4",
})
class DocumentBombTest {

    static final JsonMapper JSON = new JsonMapper();
    static final FakeOpenAi fake = new FakeOpenAi();
    static final long EXPANDED_BYTES = 400L << 20;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.bombed.base-url", fake::baseUrl);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @LocalServerPort
    int port;

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void fourDocxBombsAtOnceEachFailWhileAJobRunsAndEveryOtherRequestIsAnswered() throws Exception {
        fake.latencyMillis = 200;
        String document = uploadReady(text(12).getBytes(StandardCharsets.UTF_8), "rules.txt");
        String job = post("/api/jobs", Map.of("documentIds", List.of(document), "context", "Underwater hockey rules",
                "provider", "bombed", "model", "any", "temperatures", Map.of("count", 30), "questionsPerChunk", 3,
                "strategy", "recipe")).get("id").asString();
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/api/jobs/" + job).at("/tasks/done").asInt() > 0);

        List<Path> bombs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bombs.add(bomb(i));
        }
        assertThat(Files.size(bombs.getFirst())).as("a small file").isLessThan(2L << 20);
        List<String> ids = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<ResponseEntity<JsonNode>>> uploads = new ArrayList<>();
            for (Path bomb : bombs) {
                uploads.add(threads.submit(() -> upload(new FileSystemResource(bomb))));
            }
            for (Future<ResponseEntity<JsonNode>> upload : uploads) {
                ResponseEntity<JsonNode> accepted = upload.get();
                assertThat(accepted.getStatusCode().value()).as(String.valueOf(accepted.getBody())).isEqualTo(202);
                ids.add(accepted.getBody().get("id").asString());
            }
        }

        // Until every bomb has settled, the job's view and the health check answer, each within a few seconds.
        var polls = new AtomicInteger();
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(send("/api/jobs/" + job).statusCode()).isEqualTo(200);
            HttpResponse<String> health = send("/actuator/health");
            assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
            polls.incrementAndGet();
            return ids.stream().noneMatch(id -> get("/api/documents/" + id).get("status").asString().equals("PROCESSING"));
        });
        assertThat(polls).as("the job's view was polled while the bombs were read").hasValueGreaterThan(1);

        for (String id : ids) {
            JsonNode failed = get("/api/documents/" + id);
            assertThat(failed.get("status").asString()).isEqualTo("FAILED");
            assertThat(failed.at("/error/type").asString()).isEqualTo("/problems/document-too-complex");
            assertThat(failed.at("/error/detail").asString()).contains("expands to more than the parser can hold");
        }
        assertThat(jdbc.queryForObject("select count(*) from chunk c join document d on d.id = c.document_id "
                + "where d.status = 'FAILED'", Integer.class)).as("nothing half-stored").isZero();
        assertThat(jdbc.queryForObject("select count(*) from document_text t join document d on d.id = t.document_id "
                + "where d.status = 'FAILED'", Integer.class)).isZero();

        JsonNode done = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/api/jobs/" + job), view -> JobStatus.valueOf(view.get("status").asString()).terminal());
        assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/tasks/done").asInt()).isEqualTo(360);
        assertThat(new DocumentClient(http).uploadAndSettle(TestDocuments.docx(3), "after.docx", Map.of())
                .get("status").asString()).as("Word files are still read").isEqualTo("READY");
    }

    /**
     * A DOCX whose {@code word/document.xml} is {@link #EXPANDED_BYTES} of empty paragraphs, written straight to a file;
     * {@code n} keeps each one's bytes (and so its hash) its own.
     */
    private static Path bomb(int n) throws IOException {
        Path file = Files.createTempFile("bomb-" + n + "-", ".docx");
        try (var zip = new ZipOutputStream(Files.newOutputStream(file));
             var model = new ZipInputStream(new ByteArrayInputStream(TestDocuments.docx(1)))) {
            for (ZipEntry entry = model.getNextEntry(); entry != null; entry = model.getNextEntry()) {
                zip.putNextEntry(new ZipEntry(entry.getName()));
                if (entry.getName().equals("word/document.xml")) {
                    emptyParagraphs(zip, n);
                } else {
                    model.transferTo(zip);
                }
                zip.closeEntry();
            }
        }
        file.toFile().deleteOnExit();
        return file;
    }

    private static void emptyParagraphs(OutputStream out, int n) throws IOException {
        out.write(("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><!-- bomb " + n + " -->"
                + "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>")
                .getBytes(StandardCharsets.UTF_8));
        byte[] block = "<w:p/>".repeat(100_000).getBytes(StandardCharsets.UTF_8);
        for (long written = 0; written < EXPANDED_BYTES; written += block.length) {
            out.write(block);
        }
        out.write("</w:body></w:document>".getBytes(StandardCharsets.UTF_8));
    }

    /** Paragraphs opening with the "Fact N" marker the fake answers about. */
    private static String text(int facts) {
        var text = new StringBuilder();
        for (int i = 1; i <= facts; i++) {
            text.append("Fact ").append(i).append(". In underwater hockey, rule ").append(i)
                    .append(" says that a team of six players must restart play within ").append(i % 7 + 3)
                    .append(" seconds after a touch, standing ").append(i % 5 + 5).append(" metres back from the mark. ")
                    .append("A referee who sees rule ").append(i).append(" broken awards a penalty to the other team, and ")
                    .append("repeated breaches of it lead to a sin bin of ").append(i % 3 + 2).append(" minutes.\n\n");
        }
        return text.toString();
    }

    private String uploadReady(byte[] bytes, String name) {
        return new DocumentClient(http).uploadAndSettle(bytes, name, Map.of()).get("id").asString();
    }

    private ResponseEntity<JsonNode> upload(FileSystemResource file) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", file);
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForEntity("/api/documents", new HttpEntity<>(body, headers), JsonNode.class);
    }

    private JsonNode post(String path, Object body) throws IOException {
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        ResponseEntity<JsonNode> response = http.postForEntity(path, new HttpEntity<>(JSON.writeValueAsString(body), headers),
                JsonNode.class);
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(201);
        return response.getBody();
    }

    private JsonNode get(String path) {
        return http.getForObject(path, JsonNode.class);
    }

    /** A request that must be answered within 5 s. */
    private HttpResponse<String> send(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
