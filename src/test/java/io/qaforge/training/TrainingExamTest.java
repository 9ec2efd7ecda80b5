package io.qaforge.training;

import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.ZipInputStream;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Runs scored on exams, through the worker API as the worker (worker/) calls it and the user API that shows the outcome. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"qaforge.security.worker-token=worker-secret", "qaforge.training.max-artifact-size=64KB"})
class TrainingExamTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    TrainingFixtures fixtures;
    UUID document;

    @BeforeEach
    void setUp() {
        fixtures = new TrainingFixtures(http, jdbc, null);
        TrainingFixtures.endOpenRuns(jdbc);
        document = fixtures.document("touch-" + UUID.randomUUID() + ".txt", "Touch is played six a side. A half lasts twenty minutes.");
    }

    @AfterEach
    void tearDown() {
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @Test
    void aRunIsScoredOnItsJobsTestSplitAndShowsEveryAnswerAndItsRecall() throws Exception {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"}, new String[] {"How long is a half?", "20 minutes.", "train"},
                new String[] {"Who restarts?", "The defenders.", "test"});
        JsonNode created = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "params", Map.of("epochs", 3, "pairsPerRow", 1, "loraAlpha", 16))).getBody();
        String id = created.get("id").asString();
        assertThat(created.at("/exam/name").asString()).as("a finished job's test split is the exam at once").startsWith("Test split of job");
        assertThat(created.at("/exam/questions").asInt()).isEqualTo(2);

        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("id").asString()).isEqualTo(id);
        assertThat(claim.get("attempt").asInt()).isEqualTo(1);
        assertThat(claim.get("evaluateOnly").asBoolean()).isFalse();
        assertThat(claim.get("examUrl").asString()).endsWith("/api/worker/trainings/" + id + "/exam").startsWith("http://localhost:");
        assertThat(claim.get("artifactUrl").asString()).endsWith("/api/worker/trainings/" + id + "/artifacts");
        assertThat(claim.at("/datasetUrls/train").asString()).endsWith("/dataset?split=train");
        assertThat(claim.get("params").has("pairsPerRow")).as("applied by the service, not a worker option").isFalse();
        assertThat(claim.at("/params/epochs").asInt()).isEqualTo(3);

        JsonNode exam = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/exam", null).getBody();
        assertThat(exam.get("questions")).hasSize(2);
        assertThat(exam.get("questions").findValuesAsString("question")).containsExactlyInAnyOrder("How many players?", "Who restarts?");
        assertThat(exam.at("/questions/0/context").asString()).contains("six a side");
        assertThat(exam.at("/questions/0/id").isString()).isTrue();

        String players = questionId(exam, "How many players?"), restarts = questionId(exam, "Who restarts?");
        List<Map<String, Object>> results = new ArrayList<>();
        results.add(result(players, "before", "Five.", false, 0.0, false, null));
        results.add(result(players, "inContext", "Six.", true, 1.0, true, true));
        results.add(result(players, "after", "Six players.", false, 0.67, true, true));
        results.add(result(restarts, "before", "Nobody.", false, 0.0, false, null));
        results.add(result(restarts, "inContext", "The defenders.", true, 1.0, true, true));
        results.add(result(restarts, "after", "The attackers.", false, 0.5, false, false));
        Map<String, Object> recall = Map.of("before", Map.of("questions", 2, "exactMatch", 0.0, "tokenF1", 0.0, "contained", 0.0),
                "inContext", Map.of("questions", 2, "exactMatch", 1.0, "tokenF1", 1.0, "contained", 1.0),
                "after", Map.of("questions", 2, "exactMatch", 0.0, "tokenF1", 0.58, "contained", 0.5), "recoveryRatio", 0.5);
        Map<String, Object> completion = Map.of("workerId", "gpu-1", "metrics", Map.of("training", Map.of("steps", 3)),
                "report", Map.of("questions", 2, "generation", Map.of("doSample", false, "repetitionPenalty", 1.0, "noRepeatNgramSize", 0,
                        "maxNewTokens", 128, "eosTokenId", List.of(2, 151645))), "results", results, "recall", recall);

        ResponseEntity<JsonNode> stored = fixtures.upload(claim.get("artifactUrl").asString(), "adapter", "gpu-1", TrainingFixtures.fakeAdapter());
        assertThat(stored.getStatusCode().value()).as("%s", stored.getBody()).isEqualTo(201);
        assertThat(stored.getBody().get("sha256").asString()).isEqualTo(sha256(TrainingFixtures.fakeAdapter()));
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", completion).getStatusCode().value()).isEqualTo(200);
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", completion).getStatusCode().value())
                .as("a complete repeated because its answer was lost changes nothing").isEqualTo(200);
        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-2")), 409, "lease-lost");

        JsonNode run = fixtures.get("/api/trainings/" + id).getBody();
        assertThat(run.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(run.at("/recall/recoveryRatio").asDouble()).isEqualTo(0.5);
        assertThat(run.at("/recall/after/contained").asDouble()).isEqualTo(0.5);
        assertThat(run.at("/report/generation/repetitionPenalty").asDouble()).as("the decoding every phase used").isEqualTo(1.0);
        assertThat(run.at("/report/generation/doSample").asBoolean(true)).isFalse();
        assertThat(run.at("/report/generation/eosTokenId/1").asInt()).isEqualTo(151645);
        assertThat(run.at("/artifacts/0/kind").asString()).isEqualTo("adapter");
        assertThat(run.at("/artifacts/0/url").asString()).isEqualTo("/api/trainings/" + id + "/adapter");

        JsonNode table = fixtures.get("/api/trainings/" + id + "/results").getBody();
        assertThat(table.get("questions")).hasSize(2);
        assertThat(table.get("unscored").asInt()).isZero();
        JsonNode first = table.get("questions").get(0).get("question").asString().equals("How many players?")
                ? table.get("questions").get(0) : table.get("questions").get(1);
        assertThat(first.get("reference").asString()).isEqualTo("Six.");
        assertThat(first.at("/phases/before/answer").asString()).isEqualTo("Five.");
        assertThat(first.at("/phases/after/answer").asString()).isEqualTo("Six players.");
        assertThat(first.at("/phases/after/contained").asBoolean()).isTrue();
        assertThat(first.at("/phases/before/judge").isNull()).isTrue();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM training_result WHERE run_id = ?::uuid", Integer.class, id))
                .as("the repeated complete stored nothing twice").isEqualTo(6);

        ResponseEntity<byte[]> adapter = http.getForEntity("/api/trainings/" + id + "/adapter", byte[].class);
        assertThat(adapter.getStatusCode().value()).isEqualTo(200);
        assertThat(adapter.getBody()).isEqualTo(TrainingFixtures.fakeAdapter());
        assertThat(adapter.getHeaders().getContentType().toString()).isEqualTo("application/zip");
        assertThat(adapter.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION)).contains("qaforge-qwen2.5-0.5b-instruct-" + id.substring(0, 8) + "-adapter.zip");
        assertThat(adapter.getHeaders().getETag()).isEqualTo("\"" + sha256(adapter.getBody()) + "\"");
        try (var zip = new ZipInputStream(new ByteArrayInputStream(adapter.getBody()))) {
            assertThat(zip.getNextEntry()).isNotNull();
        }
        assertProblem(fixtures.get("/api/trainings/" + id + "/merged"), 404, "no-merged", "merge: true");
    }

    @Test
    void aQuestionWithoutContextTakesTheRunsDocumentWholeOrThePassagesBm25RanksHighest() {
        UUID book = fixtures.document("rules-" + UUID.randomUUID() + ".txt", TrainingFixtures.rules(120));
        String bookText = String.join("\n\n", jdbc.queryForList("SELECT text FROM chunk WHERE document_id = ? ORDER BY ordinal", String.class, book));
        String rule37 = jdbc.queryForObject("SELECT text FROM chunk WHERE document_id = ? AND text LIKE '%Fact 37.%'", String.class, book);
        assertThat(fixtures.get("/api/documents/" + book).getBody().get("tokens").asInt()).as("too long to give whole").isGreaterThan(4_000);
        List<Map<String, String>> handWritten = List.of(
                Map.of("question", "How many seconds does rule 37 allow before play restarts?", "answer", "Five seconds."),
                Map.of("question", "What do repeated breaches lead to?", "answer", "A sin bin.", "context", "Repeated breaches lead to a sin bin."));
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Hand-written", "questions", handWritten)).getBody();

        UUID onBook = fixtures.job(book, new String[] {"What does rule 3 say?", "Restart within 6 seconds.", "train"});
        JsonNode questions = examOfRun(fixtures.post("/api/trainings", Map.of("jobId", onBook, "baseModel", "tiny", "examId", exam.get("id"))));
        JsonNode retrieved = questions.get(0);
        assertThat(retrieved.get("contextSource").asString()).isEqualTo("retrieved");
        assertThat(retrieved.get("context").asString()).as("the passage the question asks about ranks first")
                .startsWith(rule37)
                .hasSizeLessThan(bookText.length() / 2);
        assertThat(questions.get(1).get("contextSource").asString()).as("a question's own passage is kept").isEqualTo("uploaded");
        assertThat(questions.get(1).get("context").asString()).isEqualTo("Repeated breaches lead to a sin bin.");

        TrainingFixtures.endOpenRuns(jdbc);
        UUID onShort = fixtures.job(document, new String[] {"How long is a half?", "20 minutes.", "train"});
        ResponseEntity<JsonNode> shortRun = fixtures.post("/api/trainings", Map.of("jobId", onShort, "baseModel", "tiny", "examId", exam.get("id")));
        JsonNode whole = examOfRun(shortRun).get(0);
        assertThat(whole.get("contextSource").asString()).as("a document that fits is given whole").isEqualTo("document");
        assertThat(whole.get("context").asString()).contains("six a side").contains("twenty minutes");

        String runId = shortRun.getBody().get("id").asString();
        fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + runId + "/complete", Map.of("workerId", "gpu-1", "results", List.of(
                result(whole.get("id").asString(), "inContext", "Five.", false, 0.0, false, null))));
        JsonNode results = fixtures.get("/api/trainings/" + runId + "/results").getBody();
        assertThat(results.at("/questions/0/contextSource").asString()).as("the results say where the ceiling's text came from").isEqualTo("document");

        JsonNode frozen = fixtures.post("/api/exams", Map.of("name", "On the book", "documentId", book, "questions", handWritten)).getBody();
        JsonNode stored = fixtures.get("/api/exams/" + frozen.get("id").asString()).getBody();
        assertThat(stored.at("/questions/0/contextSource").asString()).as("an exam naming a long document retrieves instead of refusing")
                .isEqualTo("retrieved");
        assertThat(jdbc.queryForObject("SELECT context FROM exam_question WHERE exam_id = ?::uuid AND ordinal = 1", String.class,
                frozen.get("id").asString())).contains("rule 37 says");
        assertThat(stored.at("/questions/1/contextSource").asString()).isEqualTo("uploaded");
    }

    @Test
    void everyTrainingRunAnswersARetentionExamBeforeAndAfterAndADropPastTheThresholdIsFlagged() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"}, new String[] {"How long is a half?", "20 minutes.", "train"});
        JsonNode created = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody();
        assertThat(created.at("/retention/examName").asString()).isEqualTo("General knowledge v1 (retention)");
        assertThat(created.at("/retention/drop").isNull()).as("nothing measured yet").isTrue();
        String id = created.get("id").asString();

        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("retentionExamUrl").asString()).endsWith("/api/worker/trainings/" + id + "/retention-exam");
        JsonNode retention = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/retention-exam", null).getBody();
        assertThat(retention.get("questions")).as("the built-in exam, a few hundred questions").hasSizeGreaterThan(200);
        assertThat(retention.get("questions").findValuesAsString("question")).contains("What is the capital of France?");
        assertThat(retention.at("/questions/0/context").isNull()).as("closed book").isTrue();
        String capital = retention.get("questions").get(0).get("id").asString();
        String examQuestion = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/exam", null).getBody().at("/questions/0/id").asString();

        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "results", List.of(result(examQuestion, "retentionBefore", "Paris.", true, 1.0, true, null)))), 400, "invalid-results",
                "not a question of the run's retention exam");
        Map<String, Object> noPhase = result(capital, "x", "Paris.", true, 1.0, true, null);
        noPhase.remove("phase");
        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "results", List.of(noPhase))), 400, "invalid-results", "phase must be one of");
        Map<String, Object> recall = Map.of("after", Map.of("questions", 1, "contained", 1.0),
                "retention", Map.of("questions", 231, "metric", "keyFacts", "before", 0.61, "after", 0.49));
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1", "recall", recall,
                "results", List.of(result(capital, "retentionBefore", "Paris.", true, 1.0, true, null),
                        result(capital, "retentionAfter", "Lyon.", false, 0.0, false, null),
                        withKeyFacts(result(examQuestion, "after", "Six players.", false, 0.67, true, null))))).getStatusCode().value())
                .isEqualTo(200);

        JsonNode run = fixtures.get("/api/trainings/" + id).getBody();
        assertThat(run.at("/retention/before").asDouble()).isEqualTo(0.61);
        assertThat(run.at("/retention/after").asDouble()).isEqualTo(0.49);
        assertThat(run.at("/retention/drop").asDouble()).isCloseTo(0.12, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(run.at("/retention/flagged").asBoolean()).as("twelve points lost, past the five-point threshold").isTrue();
        assertThat(fixtures.get("/api/trainings/" + id + "/rounds").getBody().at("/rounds/0/retention/after").asDouble()).isEqualTo(0.49);
        JsonNode results = fixtures.get("/api/trainings/" + id + "/results").getBody();
        assertThat(results.get("questions")).as("retention answers are not exam answers").hasSize(1);
        assertThat(results.at("/questions/0/phases/after/keyFacts").asBoolean()).as("the worker's default score is kept per answer").isTrue();

        JsonNode own = fixtures.post("/api/exams", Map.of("name", "Our own retention", "questions", List.of(Map.of("question", "Q?", "answer", "A.")))).getBody();
        JsonNode custom = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "retentionExamId", own.get("id"))).getBody();
        assertThat(custom.at("/retention/examName").asString()).isEqualTo("Our own retention");
        assertProblem(fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "evaluateOnly", true, "retentionExamId", own.get("id"))),
                400, "invalid-training-source", "retentionExamId");
        assertProblem(fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "retentionExamId", UUID.randomUUID())), 404, "not-found");
        assertThat(fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "evaluateOnly", true)).getBody().get("retention").isNull())
                .as("an evaluation has no after").isTrue();
    }

    /** Claims the run just created and returns the questions its worker is given. */
    private JsonNode examOfRun(ResponseEntity<JsonNode> created) {
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("id").asString()).isEqualTo(created.getBody().get("id").asString());
        return fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + claim.get("id").asString() + "/exam", null).getBody().get("questions");
    }

    @Test
    void recallIsGroupedByTheFactEachQuestionAsksAbout() {
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Facts", "questions", List.of(
                Map.of("question", "How many players?", "answer", "Six.", "factId", 1, "direction", "forward"),
                Map.of("question", "What is played six a side?", "answer", "Touch.", "factId", 1, "direction", "reverse"),
                Map.of("question", "How long is a half?", "answer", "20 minutes.", "factId", 2)))).getBody();
        String id = fixtures.post("/api/trainings", Map.of("examId", exam.get("id"), "baseModel", "tiny", "evaluateOnly", true)).getBody().get("id").asString();
        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("evaluateOnly").asBoolean()).isTrue();
        assertThat(claim.get("datasetUrls").isNull()).as("an evaluation trains on nothing").isTrue();
        JsonNode questions = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/exam", null).getBody().get("questions");
        assertThat(questions.at("/1/direction").asString()).isEqualTo("reverse");
        List<Map<String, Object>> results = List.of(
                result(questions.at("/0/id").asString(), "before", "Six.", true, 1.0, true, null),
                result(questions.at("/1/id").asString(), "before", "Rugby.", false, 0.0, false, null),
                result(questions.at("/2/id").asString(), "before", "20 minutes.", true, 1.0, true, null));
        fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1", "results", results,
                "recall", Map.of("before", Map.of("questions", 3, "contained", 0.67))));

        JsonNode byFact = fixtures.get("/api/trainings/" + id + "/results").getBody().get("byFact");
        assertThat(byFact).hasSize(2);
        assertThat(byFact.at("/0/factId").asLong()).isEqualTo(1);
        assertThat(byFact.at("/0/phases/before/questions").asInt()).isEqualTo(2);
        assertThat(byFact.at("/0/phases/before/contained").asDouble()).isEqualTo(0.5);
        assertThat(byFact.at("/1/phases/before/exactMatch").asDouble()).isEqualTo(1.0);
        assertProblem(fixtures.get("/api/trainings/" + id + "/adapter"), 404, "no-adapter", "only evaluated");
    }

    @Test
    void resultsThatDoNotMatchTheExamAreRefusedWhole() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        String id = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        fixtures.claim("gpu-1");
        JsonNode exam = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/exam", null).getBody();
        String question = exam.at("/questions/0/id").asString();

        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "results", List.of(result("q1", "before", "Six.", true, 1.0, true, null)))), 400, "invalid-results", "q1");
        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "results", List.of(result(question, "during", "Six.", true, 1.0, true, null)))), 400, "invalid-results", "phase");
        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/complete", Map.of("workerId", "gpu-1",
                "results", List.of(result(question, "after", "Six.", true, 1.0, true, null), result(question, "after", "6", false, 0.0, false, null)))),
                400, "invalid-results", "second answer");
        assertThat(fixtures.get("/api/trainings/" + id).getBody().get("status").asString()).isEqualTo("RUNNING");
    }

    @Test
    void artifactsComeOnlyFromTheWorkerHoldingTheRunWithinTheSizeLimitAndShapedAsAdapters() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        String id = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        String url = fixtures.claim("gpu-1").get("artifactUrl").asString();
        long objects = largeObjects();

        assertProblem(fixtures.upload(url, "adapter", "intruder", TrainingFixtures.fakeAdapter()), 409, "lease-lost");
        assertProblem(fixtures.upload(url, "adapter", "gpu-1", new byte[70 * 1024]), 413, "artifact-too-large", "max-artifact-size");
        assertProblem(fixtures.upload(url, "adapter", "gpu-1", "not a zip".getBytes()), 400, "invalid-artifact", "not a zip");
        assertProblem(fixtures.upload(url, "adapter", "gpu-1", TrainingFixtures.zip(Map.of("README.md", "hi".getBytes()))),
                400, "invalid-artifact", "adapter_config.json");
        assertProblem(fixtures.upload(url, "weights", "gpu-1", TrainingFixtures.fakeAdapter()), 400, "invalid-artifact-kind");
        assertThat(largeObjects()).as("a refused upload leaves nothing behind").isEqualTo(objects);

        byte[] second = TrainingFixtures.zip(Map.of("adapter_config.json", "{}".getBytes(), "adapter_model.safetensors", "v2".getBytes()));
        assertThat(fixtures.upload(url, "adapter", "gpu-1", TrainingFixtures.fakeAdapter()).getStatusCode().value()).isEqualTo(201);
        assertThat(fixtures.upload(url, "adapter", "gpu-1", second).getBody().get("bytes").asLong()).isEqualTo(second.length);
        assertThat(largeObjects()).as("the second upload replaced the first").isEqualTo(objects + 1);
        assertThat(fixtures.upload(url, "merged", "gpu-1", TrainingFixtures.zip(Map.of("config.json", "{}".getBytes()))).getStatusCode().value())
                .isEqualTo(201);
        assertThat(http.getForObject("/api/trainings/" + id + "/adapter", byte[].class)).isEqualTo(second);
        assertThat(fixtures.get("/api/trainings/" + id).getBody().get("artifacts").findValuesAsString("kind")).containsExactly("adapter", "merged");
    }

    @Test
    void aRunWhoseWorkerKeepsVanishingIsFailedAfterItsAttemptsButReleasesDoNotCount() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        String id = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();

        JsonNode first = fixtures.claim("gpu-1");
        assertThat(first.get("attempt").asInt()).isEqualTo(1);
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/release", Map.of("workerId", "gpu-1")).getStatusCode().value())
                .isEqualTo(200);
        assertThat(fixtures.get("/api/trainings/" + id).getBody().get("status").asString()).as("queued again at once").isEqualTo("QUEUED");
        assertProblem(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/release", Map.of("workerId", "gpu-1")), 409, "lease-lost");

        for (int attempt = 1; attempt <= 3; attempt++) {
            JsonNode claim = fixtures.claim("gpu-" + attempt);
            assertThat(claim.get("id").asString()).isEqualTo(id);
            assertThat(claim.get("attempt").asInt()).as("the release was not an attempt lost").isEqualTo(attempt);
            fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/heartbeat", Map.of("workerId", "gpu-" + attempt, "phase", "training"));
            jdbc.update("UPDATE training_run SET lease_until = now() - interval '1 second' WHERE id = ?::uuid", id);
        }
        assertThat(fixtures.claim("gpu-4")).as("three workers lost: not handed out a fourth time").isNull();
        JsonNode failed = fixtures.get("/api/trainings/" + id).getBody();
        assertThat(failed.get("status").asString()).isEqualTo("FAILED");
        assertThat(failed.get("error").asString()).isEqualTo("worker lost 3 times (last: lease expired while training)");
    }

    @Test
    void aReleaseAfterACancelRequestEndsTheRun() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        String id = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        fixtures.claim("gpu-1");
        fixtures.post("/api/trainings/" + id + "/cancel", Map.of());
        fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + id + "/release", Map.of("workerId", "gpu-1"));
        assertThat(fixtures.get("/api/trainings/" + id).getBody().get("status").asString()).isEqualTo("CANCELLED");
    }

    @Test
    void aDatasetRunTrainsOnTheUnionOfItsJobsAndWaitsForAllOfThem() {
        UUID one = fixtures.job(document, new String[] {"How many players?", "Six.", "train"}, new String[] {"Q1 test?", "A1.", "test"});
        UUID two = fixtures.job(document, new String[] {"How long is a half?", "20 minutes.", "train"}, new String[] {"Q2 test?", "A2.", "test"});
        jdbc.update("UPDATE job SET status = 'RUNNING' WHERE id = ?", two);
        String dataset = fixtures.post("/api/datasets", Map.of("name", "Both", "jobIds", List.of(one, two))).getBody().get("id").asString();
        JsonNode created = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", "tiny")).getBody();
        String id = created.get("id").asString();
        assertThat(created.get("jobIds")).hasSize(2);
        assertThat(created.get("exam").isNull()).as("a job still generating: the exam waits for it").isTrue();
        assertThat(fixtures.claim("gpu-1")).isNull();

        jdbc.update("UPDATE job SET status = 'SUCCEEDED' WHERE id = ?", two);
        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("id").asString()).isEqualTo(id);
        assertThat(fixtures.get("/api/trainings/" + id).getBody().at("/exam/name").asString()).isEqualTo("Test split of 2 jobs");
        String train = http.exchange(claim.at("/datasetUrls/train").asString(), HttpMethod.GET, workerAuth(), String.class).getBody();
        assertThat(train).contains("How many players?").contains("How long is a half?").doesNotContain("test?");
        JsonNode exam = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + id + "/exam", null).getBody();
        assertThat(exam.get("questions").findValuesAsString("question")).containsExactlyInAnyOrder("Q1 test?", "Q2 test?");
    }

    @Test
    void runsWithTheSameJobsShareOneExamOfTheirTestSplit() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        JsonNode a = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody();
        JsonNode b = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "evaluateOnly", true)).getBody();
        String exam = a.at("/exam/id").asString();
        assertThat(exam).as("the run names its exam").isNotEmpty();
        assertThat(b.at("/exam/id").asString()).isEqualTo(exam);
    }

    @Test
    void baseModelsAreComparedOnOneExamBeforeAndInContext() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        ResponseEntity<JsonNode> created = fixtures.post("/api/trainings/compare",
                Map.of("jobId", job, "baseModels", List.of("HuggingFaceTB/SmolLM2-135M-Instruct", "Qwen/Qwen2.5-0.5B-Instruct")));
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        JsonNode comparison = created.getBody();
        assertThat(comparison.get("runs")).hasSize(2);
        assertThat(comparison.at("/exam/questions").asInt()).isEqualTo(1);

        for (int i = 0; i < 2; i++) {
            JsonNode claim = fixtures.claim("gpu-" + i);
            assertThat(claim.get("evaluateOnly").asBoolean()).isTrue();
            String question = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + claim.get("id").asString() + "/exam", null)
                    .getBody().at("/questions/0/id").asString();
            double contained = claim.get("baseModel").asString().startsWith("Qwen") ? 1.0 : 0.0;
            fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + claim.get("id").asString() + "/complete", Map.of("workerId", "gpu-" + i,
                    "results", List.of(result(question, "before", "x", false, 0.1, contained > 0, null)),
                    "recall", Map.of("before", Map.of("questions", 1, "contained", contained), "inContext", Map.of("questions", 1, "contained", 1.0))));
        }
        JsonNode table = fixtures.get("/api/trainings/comparisons/" + comparison.get("id").asString()).getBody();
        assertThat(table.get("runs").findValuesAsString("status")).containsOnly("SUCCEEDED");
        JsonNode qwen = table.at("/runs/1");
        assertThat(qwen.get("baseModel").asString()).isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
        assertThat(qwen.at("/before/contained").asDouble()).isEqualTo(1.0);
        assertThat(qwen.at("/inContext/contained").asDouble()).isEqualTo(1.0);

        assertProblem(fixtures.post("/api/trainings/compare", Map.of("jobId", job, "baseModels", List.of("a/b", "a/b"))), 400, "invalid-request");
        jdbc.update("UPDATE job SET status = 'RUNNING' WHERE id = ?", job);
        assertProblem(fixtures.post("/api/trainings/compare", Map.of("jobId", job, "baseModels", List.of("a/b"))), 409, "job-not-finished");
    }

    @Test
    void whatToTrainOnMustBeClear() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "train"});
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny")), 400, "invalid-training-source");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "datasetId", UUID.randomUUID())),
                400, "invalid-training-source");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "evaluateOnly", true)), 400, "invalid-training-source", "examId");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "evaluateOnly", true)), 409, "no-exam");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "datasetId", UUID.randomUUID())), 404, "not-found");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "examId", UUID.randomUUID())), 404, "not-found");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "params", Map.of("loraAlpha", 16.5))),
                400, "invalid-training-params", "loraAlpha");
        assertProblem(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "params", Map.of("saveSteps", 2.5))),
                400, "invalid-training-params", "saveSteps");
        assertThat(fixtures.post("/api/trainings", Map.of("baseModel", "tiny", "jobId", job, "params", Map.of("saveSteps", 0.25)))
                .getStatusCode().value()).isEqualTo(201);
    }

    @Test
    void everyDefaultTheConsoleOffersIsAccepted() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"});
        Map<String, Object> defaults = new java.util.HashMap<>();
        TrainingParams.ALL.stream().filter(p -> p.defaultValue() != null).forEach(p -> defaults.put(p.name(), p.defaultValue()));
        assertThat(defaults).containsKeys("epochs", "learningRate", "loraR", "packing", "targetModules");
        ResponseEntity<JsonNode> created = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "params", defaults));
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
    }

    @Test
    void anExamARunUsesCannotBeDeleted() {
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Kept", "questions", List.of(Map.of("question", "Q?", "answer", "A.")))).getBody();
        fixtures.post("/api/trainings", Map.of("examId", exam.get("id"), "baseModel", "tiny", "evaluateOnly", true));
        assertProblem(fixtures.exchange(HttpMethod.DELETE, "/api/exams/" + exam.get("id").asString(), null, null, null), 409, "exam-in-use");
        assertThat(fixtures.get("/api/exams/" + exam.get("id").asString()).getStatusCode().value()).isEqualTo(200);
    }

    private static Map<String, Object> result(String question, String phase, String answer, boolean exact, double f1, boolean contained, Boolean judge) {
        Map<String, Object> row = new java.util.HashMap<>(Map.of("questionId", question, "phase", phase, "answer", answer, "exactMatch", exact,
                "tokenF1", f1, "contained", contained));
        row.put("judge", judge);
        return row;
    }

    private static Map<String, Object> withKeyFacts(Map<String, Object> row) {
        row.put("keyFacts", true);
        return row;
    }

    private static String questionId(JsonNode exam, String question) {
        for (JsonNode q : exam.get("questions")) {
            if (q.get("question").asString().equals(question)) {
                return q.get("id").asString();
            }
        }
        throw new AssertionError("no question " + question);
    }

    private long largeObjects() {
        return jdbc.queryForObject("SELECT count(*) FROM pg_largeobject_metadata", Long.class);
    }

    private static org.springframework.http.HttpEntity<Void> workerAuth() {
        var headers = new HttpHeaders();
        headers.setBearerAuth(TrainingFixtures.WORKER_TOKEN);
        return new org.springframework.http.HttpEntity<>(headers);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
