package io.qaforge.hub;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.qaforge.PythonDatasets;
import io.qaforge.export.PairFixture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HubPushTest {

    static final FakeHub hub = start();

    @DynamicPropertySource
    static void hubEndpoint(DynamicPropertyRegistry registry) {
        registry.add("qaforge.hub.endpoint", hub::url);
        registry.add("qaforge.hub.token", () -> FakeHub.WRITE_TOKEN);
        registry.add("qaforge.hub.initial-backoff", () -> "10ms");
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JsonMapper json;
    @Autowired
    HubPusher pusher;
    @TempDir
    Path tmp;

    UUID job;
    List<PairFixture.Pair> pairs;

    @BeforeEach
    void setUp() {
        hub.reset();
        PairFixture fixture = new PairFixture(http, jdbc);
        job = fixture.job(fixture.document("hub-manual.txt"), new double[] {0.01, 0.6, 1.2}, new String[] {"standard", "reversed"}, 4);
        pairs = fixture.pairs(job);
    }

    @AfterAll
    static void stop() {
        hub.close();
    }

    @Test
    void aPushCreatesTheRepoUploadsParquetThroughLfsAndCommitsACard() throws Exception {
        ResponseEntity<JsonNode> accepted = http.postForEntity("/api/jobs/{id}/hub-push",
                Map.of("repoId", "alice/r-manual-qa", "private", true, "format", "parquet", "token", FakeHub.WRITE_TOKEN),
                JsonNode.class, job);

        assertThat(accepted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(accepted.getHeaders().getLocation().getPath()).isEqualTo("/api/hub-pushes/" + accepted.getBody().get("id").asString());
        JsonNode done = awaitFinished(accepted.getBody().get("id").asString());
        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("commitUrl").asString()).isEqualTo(hub.url() + "/datasets/alice/r-manual-qa/commit/abc123");

        Map<String, byte[]> files = hub.repos.get("alice/r-manual-qa");
        assertThat(files).containsOnlyKeys("README.md", "data/train-00000-of-00001.parquet", "data/test-00000-of-00001.parquet");
        assertThat(hub.privacy.get("alice/r-manual-qa")).isTrue();
        assertThat(hub.count("POST", "/lfs-verify/")).isEqualTo(2); // the two Parquet files went through LFS
        assertThat(hub.requests).filteredOn(r -> r.path().startsWith("/lfs-upload/")).hasSize(2).allMatch(r -> r.authorization() == null);
        long trainPairs = pairs.stream().filter(p -> p.rejectedReason() == null && p.split().equals("train")).count();
        Path train = Files.write(tmp.resolve("train.parquet"), files.get("data/train-00000-of-00001.parquet"));
        assertThat(PairFixture.parquet(train).stream().mapToLong(row -> row.size() / 2).sum()).isEqualTo(trainPairs);

        String card = new String(files.get("README.md"), StandardCharsets.UTF_8);
        assertThat(card).startsWith("---\nlicense: cc-by-4.0\n")
                .contains("- question-answering")
                .contains("- config_name: default\n  data_files:\n  - split: train\n    path: \"data/train-*.parquet\"\n  - split: test\n    path: \"data/test-*.parquet\"")
                .contains("hub-manual.txt").contains("gpt-4o-mini (openai)").contains("0.01, 0.6, 1.2").contains("reversed, standard")
                .contains("Provide question/answer pairs about the text above.")
                .contains("| train | ").contains(" | " + trainPairs + " |");
        assertNoTokenStored();
    }

    @Test
    void anExistingRepoAndTransientHubErrorsDoNotStopAPushAndLargeFilesGoMultipart() {
        hub.repos.put("alice/existing", new java.util.concurrent.ConcurrentHashMap<>());
        hub.regularLimit = 100; // the JSONL files go through LFS too
        hub.multipartChunk = 1000;
        hub.failNext("POST", "/preupload/", 503, Map.of(), "Service Unavailable");
        hub.failNext("POST", "/info/lfs/objects/batch", 429, Map.of("Retry-After", "0"), "rate limited");
        hub.failNext("PUT", "/lfs-part/", 500, Map.of(), "storage hiccup");

        JsonNode done = awaitFinished(push(Map.of("repoId", "existing", "format", "jsonl")).get("id").asString());

        assertThat(done.get("status").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.get("repoId").asString()).isEqualTo("alice/existing"); // the namespace came from whoami
        assertThat(hub.count("POST", "/api/repos/create")).isEqualTo(1); // answered 409: exists, go on
        assertThat(hub.count("POST", "/preupload/")).isEqualTo(2);
        assertThat(hub.count("POST", "/info/lfs/objects/batch")).isEqualTo(2);
        assertThat(hub.count("POST", "/lfs-complete/")).isEqualTo(3); // both splits and the card exceed the lowered limit
        assertThat(hub.repos.get("alice/existing")).containsKeys("README.md", "data/train-00000-of-00001.jsonl", "data/test-00000-of-00001.jsonl");
    }

    @Test
    void aBadTokenIsAnsweredAtOnceAndNothingIsStored() {
        ResponseEntity<String> unauthorized = http.postForEntity("/api/jobs/{id}/hub-push",
                Map.of("repoId", "alice/x", "token", "hf_wrong"), String.class, job);
        ResponseEntity<String> readOnly = http.postForEntity("/api/jobs/{id}/hub-push",
                Map.of("repoId", "alice/x", "token", FakeHub.READ_TOKEN), String.class, job);

        assertThat(unauthorized.getStatusCode().value()).isEqualTo(401);
        assertThat(unauthorized.getBody()).contains("/problems/hub-unauthorized").contains("Invalid credentials").doesNotContain("hf_wrong");
        assertThat(readOnly.getStatusCode().value()).isEqualTo(403);
        assertThat(readOnly.getBody()).contains("/problems/hub-forbidden");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM hub_push WHERE job_id = ?", Long.class, job)).isZero();
        assertThat(hub.count("POST", "/api/repos/create")).isZero();
    }

    @Test
    void aFailedCommitFailsThePushAndIsNotRetried() {
        hub.failNext("POST", "/commit/main", 500, Map.of(), "Internal Error - We're working hard to fix this as soon as possible!");

        JsonNode done = awaitFinished(push(Map.of("repoId", "alice/broken")).get("id").asString());

        assertThat(done.get("status").asString()).isEqualTo("FAILED");
        assertThat(done.get("error").asString()).isEqualTo("hub-error: Hub answered 500: Internal Error - We're working hard to fix this as soon as possible!");
        assertThat(hub.count("POST", "/commit/main")).isEqualTo(1);
    }

    @Test
    void aForbiddenRepoFailsThePushWithThatReason() {
        hub.failNext("POST", "/api/repos/create", 403, Map.of(), "You don't have the rights to create a dataset under the namespace \\\"acme\\\"");

        JsonNode done = awaitFinished(push(Map.of("repoId", "acme/data")).get("id").asString());

        assertThat(done.get("status").asString()).isEqualTo("FAILED");
        assertThat(done.get("error").asString()).startsWith("hub-forbidden: Hub answered 403: You don't have the rights");
        assertThat(hub.count("POST", "/api/repos/create")).isEqualTo(1);
    }

    @Test
    void invalidRequestsAreProblems() {
        assertThat(http.postForEntity("/api/jobs/{id}/hub-push", Map.of("repoId", "alice/x"), String.class, UUID.randomUUID())
                .getStatusCode().value()).isEqualTo(404);
        assertThat(http.postForEntity("/api/jobs/{id}/hub-push", Map.of("repoId", "a/b/c"), String.class, job).getBody())
                .contains("/problems/invalid-request");
        assertThat(http.postForEntity("/api/jobs/{id}/hub-push", Map.of("repoId", "alice/x", "format", "csv"), String.class, job).getBody())
                .contains("/problems/invalid-format");
        assertThat(http.getForEntity("/api/hub-pushes/{id}", String.class, UUID.randomUUID()).getStatusCode().value()).isEqualTo(404);
    }

    @Test
    void aPushWhoseServiceStoppedIsFailedAsInterruptedWhileALiveOneKeepsBeating() {
        UUID stale = UUID.randomUUID();
        UUID live = UUID.randomUUID();
        for (UUID id : List.of(stale, live)) {
            jdbc.update("""
                    INSERT INTO hub_push (id, job_id, repo_id, private, format, status, heartbeat_at)
                    VALUES (?, ?, 'alice/x', true, 'parquet', 'RUNNING', now() - interval '10 minutes')""", id, job);
        }

        jdbc.update("UPDATE hub_push SET heartbeat_at = now() WHERE id = ?", live); // what the instance running it does every 20 s
        pusher.failInterrupted();

        JsonNode push = http.getForObject("/api/hub-pushes/{id}", JsonNode.class, stale);
        assertThat(push.get("status").asString()).isEqualTo("FAILED");
        assertThat(push.get("error").asString()).startsWith("interrupted");
        assertThat(http.getForObject("/api/hub-pushes/{id}", JsonNode.class, live).get("status").asString()).isEqualTo("RUNNING");
    }

    @Test
    void datasetsLoadsAPushedRepoIntoTrainAndTest() throws Exception {
        PythonDatasets.python();
        // Two study passages of the job: the repo gets the "documents" config beside "qa" (the default).
        jdbc.update("""
                INSERT INTO study_passage (job_id, task_id, chunk_id, strategy, text, temperature, model, judge_verdict)
                SELECT job_id, id, chunk_id, 'teacher', 'A teacher explains passage ' || id || ' of the manual.', 0.6, 'm', 'pass'
                FROM task WHERE job_id = ? ORDER BY id LIMIT 2""", job);
        for (String format : List.of("parquet", "jsonl")) {
            String repoId = "alice/loadable-" + format;
            JsonNode done = awaitFinished(push(Map.of("repoId", repoId, "format", format, "pairsPerRow", 3)).get("id").asString());
            assertThat(done.get("status").asString()).isEqualTo("SUCCEEDED");
            Path repo = tmp.resolve(format);
            for (Map.Entry<String, byte[]> file : hub.repos.get(repoId).entrySet()) {
                Files.createDirectories(repo.resolve(file.getKey()).getParent());
                Files.write(repo.resolve(file.getKey()), file.getValue());
            }

            JsonNode loaded = PythonDatasets.run("""
                    import json, sys
                    from datasets import load_dataset
                    ds = load_dataset(sys.argv[1])
                    docs = load_dataset(sys.argv[1], "documents")["train"]
                    print(json.dumps({**{s: ds[s].num_rows for s in ds}, "documents": docs.num_rows,
                                      "columns": sorted(docs.column_names), "strategy": docs[0]["strategy"]}))
                    """, tmp, repo.toString());
            assertThat(loaded.get("documents").asInt()).isEqualTo(2);
            assertThat(loaded.get("columns").toString()).isEqualTo("[\"chunkId\",\"strategy\",\"text\"]");
            assertThat(loaded.get("strategy").asString()).isEqualTo("teacher");

            String card = Files.readString(repo.resolve("README.md"));
            assertThat(loaded.size()).isEqualTo(5);
            for (String split : List.of("train", "test")) {
                assertThat(loaded.get(split).asLong()).isPositive();
                assertThat(card).contains("| " + split + " | " + loaded.get(split).asLong() + " | ");
            }
        }
    }

    private JsonNode push(Map<String, Object> request) {
        ResponseEntity<JsonNode> response = http.postForEntity("/api/jobs/{id}/hub-push", request, JsonNode.class, job);
        assertThat(response.getStatusCode()).as(String.valueOf(response.getBody())).isEqualTo(HttpStatus.ACCEPTED);
        return response.getBody();
    }

    private JsonNode awaitFinished(String id) {
        return await("push " + id + " to finish").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> http.getForObject("/api/hub-pushes/{id}", JsonNode.class, id),
                        push -> push.get("status").asString().equals("SUCCEEDED") || push.get("status").asString().equals("FAILED"));
    }

    private void assertNoTokenStored() {
        String rows = jdbc.queryForList("SELECT hub_push::text FROM hub_push", String.class).toString();
        assertThat(rows).doesNotContain(FakeHub.WRITE_TOKEN);
    }

    private static FakeHub start() {
        try {
            return new FakeHub();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
