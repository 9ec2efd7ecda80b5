package io.qaforge.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests a careless or hostile client can send, each answered with a 4xx problem+json of its own type (never a 500
 * or Tomcat's HTML page), and none of them leaving a row behind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ClientErrorsTest {

    private static final String BOUNDARY = "qaforge-test-boundary";

    @LocalServerPort
    int port;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JsonMapper json;

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void malformedMultipartBodiesAreBadRequests() throws Exception {
        long before = documents();
        assertProblem(send("POST", "/api/documents", "multipart/form-data", "just text".getBytes()), 400, "malformed-multipart");
        byte[] unterminated = ("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nThe touch judge signals the ball is out").getBytes(StandardCharsets.UTF_8);
        assertProblem(send("POST", "/api/documents", "multipart/form-data; boundary=" + BOUNDARY, unterminated), 400, "malformed-multipart");
        assertThat(documents()).isEqualTo(before);
    }

    @Test
    void nulCharactersAreRefusedWhereverTextArrives() throws Exception {
        long before = documents();
        assertProblem(upload("rules.txt", "Touch\u0000rules", "A touchdown scores one point.", 0), 400, "invalid-text", "title");
        assertProblem(upload("ru\u0000les.txt", null, "A touchdown scores one point.", 0), 400, "invalid-file-name");
        assertThat(documents()).isEqualTo(before);

        HttpResponse<String> dataset = sendJson("POST", "/api/datasets",
                "{\"name\":\"touch\\u0000rugby\",\"jobIds\":[\"" + UUID.randomUUID() + "\"]}");
        assertProblem(dataset, 400, "invalid-text", "name");
        HttpResponse<String> job = sendJson("POST", "/api/jobs", """
                {"documentIds":["%s"],"context":"Touch rugby","provider":"openai","model":"gpt-4o-mini",
                 "prompts":{"standard":"Ask about {chunk}\\u0000"}}""".formatted(UUID.randomUUID()));
        assertProblem(job, 400, "invalid-text", "prompts.standard");
        HttpResponse<String> training = sendJson("POST", "/api/trainings",
                "{\"jobId\":\"" + UUID.randomUUID() + "\",\"baseModel\":\"Qwen/Qwen2.5-0.5B\",\"params\":{\"lr\\u0000\":1}}");
        assertProblem(training, 400, "invalid-text", "params");
        assertProblem(send("GET", "/api/jobs/" + UUID.randomUUID() + "/pairs?variant=a%00b", null, null), 400, "invalid-text", "variant");
    }

    @Test
    void unknownSortPropertiesAndOutOfRangePagesAreBadRequests() throws Exception {
        assertProblem(send("GET", "/api/documents?sort=nonsense", null, null), 400, "invalid-parameter", "nonsense");
        assertProblem(send("GET", "/api/trainings?sort=nonsense,desc", null, null), 400, "invalid-parameter", "nonsense");
        assertProblem(send("GET", "/api/documents?page=2147483647&size=1000", null, null), 400, "invalid-parameter", "page");
        assertProblem(send("GET", "/api/jobs?page=99999999999", null, null), 400, "invalid-parameter", "page");
        assertProblem(send("GET", "/api/documents?size=abc", null, null), 400, "invalid-parameter", "size");
        assertProblem(send("GET", "/api/datasets?sort=name%25", null, null), 400, "invalid-parameter", "sort");
        assertThat(send("GET", "/api/documents?page=3&size=10&sort=createdAt,asc", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void pathsAndRequestLinesTomcatRefusesAreProblemsToo() throws Exception {
        for (String path : new String[]{"/api%2Fdocuments", "/api/documents/%00", "/api/docu%00ments", "/api/documents/a%2Fb"}) {
            assertProblem(send("GET", path, null, null), 400, "http-400");
        }
        assertProblem(send("GET", "/api/documents?q=" + "x".repeat(20_000), null, null), 400, "http-400");
        assertProblem(send("GET", "/api;x/documents", null, null), 400, "invalid-path");
    }

    @Test
    void parameterNamesTheFirewallRefusesAreBadRequestsNotErrors() throws Exception {
        UUID job = UUID.randomUUID();
        // unassigned code points (U+0378, U+FFFF, U+E0080) and control characters (U+0001, U+0007, U+0085)
        for (String name : new String[]{"%CD%B8", "a%EF%BF%BFb", "%F3%A0%82%80", "x%01", "%07format", "%C2%85"}) {
            assertProblem(send("GET", "/api/jobs/" + job + "/export?" + name + "=1", null, null), 400, "invalid-parameter",
                    "parameter name");
            // The firewall refuses names only where they are read; elsewhere they are ignored, never an error.
            assertThat(send("GET", "/api/documents?" + name + "=1", null, null).statusCode()).isEqualTo(200);
        }
        for (String value : new String[]{"%CD%B8", "%EF%BF%BF", "%F3%A0%82%80", "%01", "%C2%85"}) {
            int status = send("GET", "/api/jobs/" + job + "/export?format=" + value, null, null).statusCode();
            assertThat(status).as("format=" + value).isBetween(400, 499);
        }
        assertThat(send("GET", "/api/jobs/" + job + "/export?format=jsonl", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void uploadLimitsThatAreNotAboutSizeSaySo() throws Exception {
        long before = documents();
        HttpResponse<String> longName = upload("r".repeat(3000) + ".txt", null, "Each team has six players on the field.", 0);
        assertThat(longName.statusCode()).as(longName.body()).isEqualTo(201);
        assertThat(json.readTree(longName.body()).get("name").asString()).hasSize(255);

        assertProblem(upload("r".repeat(10_000) + ".txt", null, "A tiny file.", 0), 400, "part-header-too-large");
        assertProblem(upload("rules.txt", null, "A tiny file.", 30), 400, "too-many-parts");
        assertThat(documents()).isEqualTo(before + 1);
    }

    @Test
    void oversizedJsonBodiesAreRefusedBeforeParsing() throws Exception {
        String huge = "{\"name\":\"" + "a".repeat(3 * 1024 * 1024) + "\",\"jobIds\":[]}";
        assertProblem(sendJson("POST", "/api/datasets", huge), 413, "request-too-large");
        var chunked = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/datasets"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(huge.getBytes())))
                .build();
        assertProblem(client.send(chunked, HttpResponse.BodyHandlers.ofString()), 413, "request-too-large");
    }

    @Test
    void trainingParamsThatSteerTheWorkerAreRefusedByName() throws Exception {
        long runs = jdbc.queryForObject("SELECT count(*) FROM training_run", Long.class);
        UUID job = UUID.randomUUID();
        HttpResponse<String> steer = sendJson("POST", "/api/trainings", """
                {"jobId":"%s","baseModel":"Qwen/Qwen2.5-0.5B","params":{"judgeBaseUrl":"http://attacker.example/v1",
                 "judgeModel":"gpt-4o","pushToHub":"attacker/adapter","output":"/etc","epochs":2}}""".formatted(job));
        assertProblem(steer, 400, "invalid-training-params", "judgeBaseUrl", "judgeModel", "pushToHub", "output", "worker-local");
        assertThat(steer.body()).doesNotContain("params.epochs");

        assertProblem(sendJson("POST", "/api/trainings", """
                {"jobId":"%s","baseModel":"Qwen/Qwen2.5-0.5B","params":{"pairsPerRow":1e12,"learningRate":"fast","packing":1}}"""
                .formatted(job)), 400, "invalid-training-params", "pairsPerRow", "learningRate", "packing");
        assertProblem(sendJson("POST", "/api/trainings", """
                {"jobId":"%s","baseModel":"%s"}""".formatted(job, "m".repeat(1_000_000 / 2))), 400, "invalid-request", "baseModel");
        assertProblem(sendJson("POST", "/api/trainings", """
                {"jobId":"%s","baseModel":"../../etc/passwd"}""".formatted(job)), 400, "invalid-request", "baseModel");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM training_run", Long.class)).isEqualTo(runs);
    }

    @Test
    void longTitlesAreRefused() throws Exception {
        assertProblem(upload("rules.txt", "T".repeat(1_000_000), "A touchdown scores one point.", 0), 400, "invalid-title", "300");
    }

    private long documents() {
        return jdbc.queryForObject("SELECT count(*) FROM document", Long.class);
    }

    private HttpResponse<String> upload(String fileName, String title, String text, int extraParts) throws IOException, InterruptedException {
        var body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: text/plain\r\n\r\n" + text + " " + UUID.randomUUID() + "\r\n").getBytes(StandardCharsets.UTF_8));
        if (title != null) {
            body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" + title + "\r\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        for (int i = 0; i < extraParts; i++) {
            body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"x" + i + "\"\r\n\r\ny\r\n").getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return send("POST", "/api/documents", "multipart/form-data; boundary=" + BOUNDARY, body.toByteArray());
    }

    private HttpResponse<String> sendJson(String method, String path, String body) throws IOException, InterruptedException {
        return send(method, path, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void assertProblem(HttpResponse<String> response, int status, String type, String... mentions) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("/problems/" + type);
        for (String mention : mentions) {
            assertThat(problem.get("detail").asString()).contains(mention);
        }
    }
}
