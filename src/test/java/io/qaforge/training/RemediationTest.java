package io.qaforge.training;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

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

import io.qaforge.generation.FakeOpenAi;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Remediation rounds through the user and worker APIs, on jobs generated against the in-process fake provider: what a
 * trained run missed becomes a top-up job for exactly those facts (or chunks), and a next run on the same exam that
 * waits for it; every round's recall is shown beside the others.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.security.worker-token=worker-secret",
        "qaforge.documents.chunk-target-tokens=100",
        "qaforge.documents.chunk-max-tokens=150",
        "qaforge.generation.poll-interval=50ms",
        "qaforge.generation.backoff=50ms",
        // A provider name of its own: the other test contexts' engines, on the same database, claim only theirs.
        "qaforge.generation.providers.remediation.api-key=test-key",
        "qaforge.generation.providers.remediation.max-concurrency=4",
        "qaforge.generation.providers.remediation.prices.fact-model.input-per-million=1.0",
        "qaforge.generation.providers.remediation.prices.fact-model.output-per-million=2.0",
})
class RemediationTest {

    static final FakeOpenAi fake = new FakeOpenAi();

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.remediation.base-url", fake::baseUrl);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    TrainingFixtures fixtures;
    UUID document;

    @BeforeEach
    void setUp() {
        fake.latencyMillis = 0;
        fixtures = new TrainingFixtures(http, jdbc, null);
        TrainingFixtures.endOpenRuns(jdbc);
        document = fixtures.document("rules-" + UUID.randomUUID() + ".txt", TrainingFixtures.rules(4));
    }

    @AfterEach
    void tearDown() {
        fake.latencyMillis = 0;
        TrainingFixtures.endOpenRuns(jdbc);
    }

    @Test
    void theMissedQuestionsFactsAreToppedUpAndTheNextRoundTrainsOnTheUnionOnceTheTopUpHasFinished() {
        UUID job = generate(Map.of());
        String first = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "HuggingFaceTB/SmolLM2-135M-Instruct",
                "params", Map.of("epochs", 2, "loraR", 8))).getBody().get("id").asString();
        JsonNode claim = fixtures.claim("gpu-1");
        assertThat(claim.get("id").asString()).isEqualTo(first);
        JsonNode questions = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + first + "/exam", null).getBody().get("questions");
        assertThat(questions.findValuesAsString("factId")).as("test-split questions name the fact they ask about").doesNotContain("null", "");
        List<Long> facts = questions.findValues("factId").stream().map(JsonNode::asLong).distinct().sorted().toList();
        assertThat(facts).hasSizeGreaterThanOrEqualTo(3);
        long judgedWrong = facts.get(0), farOff = facts.get(1);
        // Missed: the judge said no (though the reference is contained), or no verdict and token F1 below 0.5.
        // Recalled: the judge said yes (though F1 is low), or no verdict and F1 0.5 or more.
        complete(first, "gpu-1", questions, q -> q.get("factId").asLong() == judgedWrong ? answer(false, 0.9, true, false)
                : q.get("factId").asLong() == farOff ? answer(false, 0.2, false, null)
                : q.get("direction").asString().equals("forward") ? answer(false, 0.1, false, true) : answer(false, 0.5, false, null), 0.4);
        int missed = (int) questions.findValues("factId").stream().filter(f -> f.asLong() == judgedWrong || f.asLong() == farOff).count();

        long jobsBefore = count("job"), runsBefore = count("training_run");
        JsonNode estimate = fixtures.get("/api/trainings/" + first + "/remediate/estimate").getBody();
        assertThat(estimate.get("missed").asInt()).isEqualTo(missed);
        assertThat(estimate.get("scored").asInt()).isEqualTo(questions.size());
        assertThat(estimate.get("facts").asInt()).isEqualTo(2);
        assertThat(estimate.get("chunks").asInt()).isZero();
        assertThat(estimate.get("round").asInt()).isEqualTo(2);
        assertThat(estimate.get("missedRule").asString()).contains("judged wrong", "token F1 0.5");
        assertThat(estimate.get("trainingRunId").isNull()).isTrue();
        assertThat(estimate.at("/topUps/0/sourceJobId").asString()).isEqualTo(job.toString());
        assertThat(estimate.at("/topUps/0/estimate/pairCalls").asInt()).isPositive();
        assertThat(estimate.get("costUsd").decimalValue()).isPositive();
        assertThat(estimate.get("priced").asBoolean()).isTrue();
        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of("maxCostUsd", 0.000001)), 422, "over-budget", "maxCostUsd");
        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of("maxCostUsd", -1)), 400, "invalid-request");
        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of("maxCostUsd", "5")), 400, "invalid-request", "number");
        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of("baseModel", "attacker/model",
                "params", Map.of("judgeUrl", "http://attacker.example"))), 400, "invalid-request", "baseModel, params", "keeps the run's");
        assertThat(count("job")).as("an estimate and refusals queue nothing").isEqualTo(jobsBefore);
        assertThat(count("training_run")).isEqualTo(runsBefore);

        fake.latencyMillis = 300; // the top-up stays busy long enough to see the next round wait for it
        ResponseEntity<JsonNode> queued = fixtures.post("/api/trainings/" + first + "/remediate", Map.of("maxCostUsd", 5));
        assertThat(queued.getStatusCode().value()).as("%s", queued.getBody()).isEqualTo(202);
        String second = queued.getBody().get("trainingRunId").asString();
        assertThat(queued.getHeaders().getLocation()).hasToString("/api/trainings/" + second);
        UUID topUp = UUID.fromString(queued.getBody().at("/topUps/0/jobId").asString());
        assertThat(queued.getBody().get("topUps")).hasSize(1);
        assertThat(queued.getBody().at("/topUps/0/maxCostUsd").decimalValue()).isEqualByComparingTo("5");

        JsonNode topUpJob = fixtures.get("/api/jobs/" + topUp).getBody();
        assertThat(topUpJob.get("parentJobId").asString()).isEqualTo(job.toString());
        assertThat(topUpJob.get("maxCostUsd").decimalValue()).isEqualByComparingTo("5");
        assertThat(fixtures.get("/api/jobs/" + topUp + "/facts?size=100").getBody().get("content").findValues("id"))
                .as("exactly the missed questions' facts").extracting(JsonNode::asLong).containsExactlyInAnyOrder(judgedWrong, farOff);

        JsonNode next = fixtures.get("/api/trainings/" + second).getBody();
        JsonNode previous = fixtures.get("/api/trainings/" + first).getBody();
        assertThat(next.get("round").asInt()).isEqualTo(2);
        assertThat(next.get("remediates").asString()).isEqualTo(first);
        assertThat(next.get("status").asString()).isEqualTo("QUEUED");
        assertThat(texts(next.get("jobIds"))).containsExactlyInAnyOrder(job.toString(), topUp.toString());
        assertThat(previous.at("/exam/id").asString()).as("the first round names its exam").isNotEmpty();
        assertThat(next.at("/exam/id").asString()).as("the same exam, so rounds compare").isEqualTo(previous.at("/exam/id").asString());
        assertThat(previous.get("baseModel").asString()).isNotEmpty();
        assertThat(next.get("baseModel").asString()).isEqualTo(previous.get("baseModel").asString());
        assertThat(previous.get("params").isObject()).as("the first round has params").isTrue();
        assertThat(next.get("params")).isEqualTo(previous.get("params"));
        assertThat(next.get("evaluateOnly").asBoolean()).isFalse();
        assertThat(previous.get("round").asInt()).isEqualTo(1);

        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of()), 409, "already-remediated", second);
        assertProblem(fixtures.get("/api/trainings/" + first + "/remediate/estimate"), 409, "already-remediated", second);
        assertThat(jobStatus(topUp)).as("the top-up is still generating").isIn("QUEUED", "RUNNING");
        assertThat(fixtures.claim("gpu-2")).as("the next round waits for its top-up").isNull();
        assertThat(jobStatus(topUp)).as("so the refused claim proves the wait").isIn("QUEUED", "RUNNING");
        fake.latencyMillis = 0;
        await().atMost(Duration.ofSeconds(60)).until(() -> jobStatus(topUp), status -> !status.equals("QUEUED") && !status.equals("RUNNING"));
        assertThat(jobStatus(topUp)).isEqualTo("SUCCEEDED");
        assertThat(fixtures.get("/api/jobs/" + topUp + "/pairs?size=200&rejected=false").getBody().get("content")).isNotEmpty()
                .allSatisfy(pair -> assertThat(pair.get("factIds").get(0).asLong()).isIn(judgedWrong, farOff));

        JsonNode claimed = fixtures.claim("gpu-2");
        assertThat(claimed.get("id").asString()).isEqualTo(second);
        JsonNode again = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + second + "/exam", null).getBody().get("questions");
        assertThat(texts(again.findValues("id"))).isEqualTo(texts(questions.findValues("id")));
        complete(second, "gpu-2", again, q -> q.get("factId").asLong() == farOff ? answer(false, 0.1, false, null) : answer(true, 1.0, true, null), 0.9);

        JsonNode rounds = fixtures.get("/api/trainings/" + second + "/rounds").getBody().get("rounds");
        assertThat(rounds).hasSize(2);
        assertThat(rounds.at("/0/round").asInt()).isEqualTo(1);
        assertThat(rounds.at("/0/runId").asString()).isEqualTo(first);
        assertThat(rounds.at("/0/after/tokenF1").asDouble()).isEqualTo(0.4);
        assertThat(rounds.at("/0/before/tokenF1").asDouble()).isEqualTo(0.1);
        assertThat(rounds.at("/0/topUpJobIds")).isEmpty();
        assertThat(rounds.at("/1/round").asInt()).isEqualTo(2);
        assertThat(rounds.at("/1/runId").asString()).isEqualTo(second);
        assertThat(rounds.at("/1/status").asString()).isEqualTo("SUCCEEDED");
        assertThat(rounds.at("/1/after/tokenF1").asDouble()).isEqualTo(0.9);
        assertThat(texts(rounds.at("/1/topUpJobIds"))).containsExactly(topUp.toString());
        assertThat(rounds.at("/1/trainPairs").asLong()).as("the union holds the top-up's pairs too").isGreaterThan(rounds.at("/0/trainPairs").asLong());
        assertThat(fixtures.get("/api/trainings/" + first + "/rounds").getBody().get("rounds")).isEqualTo(rounds);
        assertProblem(fixtures.post("/api/trainings/" + first + "/remediate", Map.of()), 409, "already-remediated", "round 2");

        ResponseEntity<JsonNode> third = fixtures.post("/api/trainings/" + second + "/remediate", Map.of());
        assertThat(third.getStatusCode().value()).as("%s", third.getBody()).isEqualTo(202);
        assertThat(third.getBody().get("round").asInt()).isEqualTo(3);
        assertThat(third.getBody().at("/topUps/0/sourceJobId").asString()).as("the exam's questions come from the first job").isEqualTo(job.toString());
        UUID secondTopUp = UUID.fromString(third.getBody().at("/topUps/0/jobId").asString());
        assertThat(fixtures.get("/api/jobs/" + secondTopUp + "/facts?size=100").getBody().get("content").findValues("id"))
                .extracting(JsonNode::asLong).containsExactly(farOff);
        List<Double> earlier = new ArrayList<>();
        for (UUID earlierJob : List.of(job, topUp)) {
            fixtures.get("/api/jobs/" + earlierJob).getBody().at("/params/temperatures").forEach(t -> earlier.add(t.asDouble()));
        }
        assertThat(fixtures.get("/api/jobs/" + secondTopUp).getBody().at("/params/temperatures")).isNotEmpty()
                .allSatisfy(t -> assertThat(t.asDouble()).as("fresh against round 2's top-up too").isNotIn(earlier.toArray()));
        JsonNode lineage = fixtures.get("/api/trainings/" + first + "/rounds").getBody().get("rounds");
        assertThat(lineage.findValuesAsString("round")).containsExactly("1", "2", "3");
        assertThat(lineage.at("/2/remediates").asString()).isEqualTo(second);
        assertThat(texts(lineage.at("/2/topUpJobIds"))).containsExactly(secondTopUp.toString());
    }

    @Test
    void aJobWithoutFactsIsToppedUpOnTheChunksOfTheMissedQuestions() {
        UUID job = generate(Map.of("strategy", "recipe", "variants", List.of("standard"), "questionsPerChunk", 4, "temperatures", List.of(0.2, 0.8)));
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        fixtures.claim("gpu-1");
        JsonNode questions = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + run + "/exam", null).getBody().get("questions");
        assertThat(questions.findValues("factId")).extracting(JsonNode::isNull).containsOnly(true);
        String missedId = questions.get(0).get("id").asString();
        complete(run, "gpu-1", questions, q -> q.get("id").asString().equals(missedId) ? answer(false, 0.0, false, null) : answer(true, 1.0, true, null), 0.9);
        JsonNode exam = fixtures.get("/api/exams/" + fixtures.get("/api/trainings/" + run).getBody().at("/exam/id").asString()).getBody();
        long chunk = 0;
        for (JsonNode q : exam.get("questions")) {
            if (q.get("id").asString().equals(missedId)) {
                chunk = q.get("chunkId").asLong();
            }
        }

        ResponseEntity<JsonNode> queued = fixtures.post("/api/trainings/" + run + "/remediate", null);
        assertThat(queued.getStatusCode().value()).as("%s", queued.getBody()).isEqualTo(202);
        assertThat(queued.getBody().get("missed").asInt()).isEqualTo(1);
        assertThat(queued.getBody().get("facts").asInt()).isZero();
        assertThat(queued.getBody().get("chunks").asInt()).isEqualTo(1);
        UUID topUp = UUID.fromString(queued.getBody().at("/topUps/0/jobId").asString());
        await().atMost(Duration.ofSeconds(60)).until(() -> jobStatus(topUp), status -> !status.equals("QUEUED") && !status.equals("RUNNING"));
        long missedChunk = chunk;
        assertThat(fixtures.get("/api/jobs/" + topUp + "/pairs?size=200").getBody().get("content")).isNotEmpty()
                .allSatisfy(pair -> assertThat(pair.get("chunkId").asLong()).as("only the missed question's chunk").isEqualTo(missedChunk));
        assertThat(fixtures.claim("gpu-2").get("id").asString()).isEqualTo(queued.getBody().get("trainingRunId").asString());
    }

    @Test
    void aRoundWhoseTopUpIsCancelledFailsWithTheReasonInsteadOfWaitingForever() {
        UUID job = generate(Map.of("strategy", "recipe", "variants", List.of("standard"), "questionsPerChunk", 4, "temperatures", List.of(0.2, 0.8)));
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        complete(run, "gpu-1", claimExam(run), q -> answer(false, 0.0, false, null), 0.0);
        fake.latencyMillis = 300;
        JsonNode queued = fixtures.post("/api/trainings/" + run + "/remediate", Map.of()).getBody();
        String topUp = queued.at("/topUps/0/jobId").asString();
        assertThat(fixtures.post("/api/jobs/" + topUp + "/cancel", Map.of()).getStatusCode().value()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> jobStatus(UUID.fromString(topUp)), "CANCELLED"::equals);

        assertThat(fixtures.claim("gpu-2")).isNull();
        JsonNode next = fixtures.get("/api/trainings/" + queued.get("trainingRunId").asString()).getBody();
        assertThat(next.get("status").asString()).isEqualTo("FAILED");
        assertThat(next.get("error").asString()).isEqualTo("job " + topUp + " was cancelled, so there is no dataset to train on");
        assertThat(fixtures.post("/api/trainings/" + run + "/remediate", Map.of()).getStatusCode().value())
                .as("a failed round makes room for another").isEqualTo(202);
    }

    @Test
    void aRunOnSeveralJobsTopsUpEachJobWithItsOwnFactsUnderOneBudget() {
        UUID one = generate(Map.of());
        UUID other = fixtures.document("more-rules-" + UUID.randomUUID() + ".txt", TrainingFixtures.rules(2));
        Map<String, Object> overrides = new HashMap<>(Map.of("documentIds", List.of(other)));
        UUID two = generate(overrides);
        String dataset = fixtures.post("/api/datasets", Map.of("name", "Both", "jobIds", List.of(one, two))).getBody().get("id").asString();
        String run = fixtures.post("/api/trainings", Map.of("datasetId", dataset, "baseModel", "tiny")).getBody().get("id").asString();
        JsonNode questions = claimExam(run);
        Set<Long> factsOfOne = factIds(one), factsOfTwo = factIds(two);
        long missedOfOne = firstFactIn(questions, factsOfOne), missedOfTwo = firstFactIn(questions, factsOfTwo);
        complete(run, "gpu-1", questions, q -> q.get("factId").asLong() == missedOfOne || q.get("factId").asLong() == missedOfTwo
                ? answer(false, 0.0, false, null) : answer(true, 1.0, true, null), 0.8);

        // Two requests at once: one round.
        List<ResponseEntity<JsonNode>> answers = List.of(1, 2).parallelStream()
                .map(i -> fixtures.post("/api/trainings/" + run + "/remediate", Map.of("maxCostUsd", 5))).toList();
        assertThat(answers).extracting(a -> a.getStatusCode().value()).containsExactlyInAnyOrder(202, 409);
        JsonNode queued = answers.stream().filter(a -> a.getStatusCode().value() == 202).findFirst().orElseThrow().getBody();
        assertThat(queued.get("topUps")).hasSize(2);
        Map<String, JsonNode> bySource = new HashMap<>();
        queued.get("topUps").forEach(t -> bySource.put(t.get("sourceJobId").asString(), t));
        assertThat(bySource).containsOnlyKeys(one.toString(), two.toString());
        for (var source : Map.of(one, missedOfOne, two, missedOfTwo).entrySet()) {
            JsonNode topUp = bySource.get(source.getKey().toString());
            JsonNode view = fixtures.get("/api/jobs/" + topUp.get("jobId").asString()).getBody();
            assertThat(view.get("parentJobId").asString()).isEqualTo(source.getKey().toString());
            assertThat(fixtures.get("/api/jobs/" + topUp.get("jobId").asString() + "/facts").getBody().get("content").findValues("id"))
                    .as("each job tops up its own missed fact").extracting(JsonNode::asLong).containsExactly(source.getValue());
        }
        assertThat(bySource.values().stream().map(t -> t.get("maxCostUsd").decimalValue()).reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add))
                .as("one budget shared in proportion to the estimates").isPositive().isLessThanOrEqualTo(new java.math.BigDecimal("5"));
        assertThat(texts(fixtures.get("/api/trainings/" + queued.get("trainingRunId").asString()).getBody().get("jobIds")))
                .containsExactlyInAnyOrder(one.toString(), two.toString(), bySource.get(one.toString()).get("jobId").asString(),
                        bySource.get(two.toString()).get("jobId").asString());
    }

    @Test
    void anUploadedExamIsRemediatedThroughItsFactIds() {
        UUID job = generate(Map.of());
        long fact = factIds(job).iterator().next();
        JsonNode exam = fixtures.post("/api/exams", Map.of("name", "Hand-written", "questions", List.of(
                Map.of("question", "What does the rule say?", "answer", "Restart within seconds.", "factId", fact),
                Map.of("question", "Of another job?", "answer", "No.", "factId", 999_999_999),
                Map.of("question", "Without provenance?", "answer", "None.")))).getBody();
        String run = fixtures.post("/api/trainings", Map.of("jobId", job, "examId", exam.get("id"), "baseModel", "tiny")).getBody().get("id").asString();
        complete(run, "gpu-1", claimExam(run), q -> answer(false, 0.0, false, null), 0.0);

        JsonNode estimate = fixtures.get("/api/trainings/" + run + "/remediate/estimate").getBody();
        assertThat(estimate.get("missed").asInt()).isEqualTo(3);
        assertThat(estimate.get("noSource").asInt()).as("a fact of no job of the run, and no fact at all").isEqualTo(2);
        assertThat(estimate.get("facts").asInt()).isEqualTo(1);
        assertThat(estimate.at("/topUps/0/sourceJobId").asString()).isEqualTo(job.toString());
    }

    @Test
    void whatCannotBeRemediatedIsRefusedWithItsReasonAndQueuesNothing() {
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"}, new String[] {"How long is a half?", "20 minutes.", "train"});
        long jobsBefore = count("job"), runsBefore = count("training_run");

        assertProblem(fixtures.post("/api/trainings/" + UUID.randomUUID() + "/remediate", Map.of()), 404, "not-found");
        assertProblem(fixtures.get("/api/trainings/" + UUID.randomUUID() + "/rounds"), 404, "not-found");

        String queued = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        assertProblem(fixtures.post("/api/trainings/" + queued + "/remediate", Map.of()), 409, "run-not-completed", "QUEUED");
        assertProblem(fixtures.get("/api/trainings/" + queued + "/remediate/estimate"), 409, "run-not-completed");
        fixtures.claim("gpu-1");
        fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + queued + "/complete", Map.of("workerId", "gpu-1"));
        assertProblem(fixtures.post("/api/trainings/" + queued + "/remediate", Map.of()), 409, "no-results");

        String evaluation = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny", "evaluateOnly", true)).getBody().get("id").asString();
        JsonNode questions = claimExam(evaluation);
        complete(evaluation, "gpu-1", questions, q -> answer(false, 0.0, false, null), 0.0);
        assertProblem(fixtures.post("/api/trainings/" + evaluation + "/remediate", Map.of()), 409, "evaluate-only");

        String perfect = fixtures.post("/api/trainings", Map.of("jobId", job, "baseModel", "tiny")).getBody().get("id").asString();
        complete(perfect, "gpu-1", claimExam(perfect), q -> answer(true, 1.0, true, true), 1.0);
        assertProblem(fixtures.post("/api/trainings/" + perfect + "/remediate", Map.of()), 409, "nothing-to-remediate", "missed none");

        JsonNode uploaded = fixtures.post("/api/exams", Map.of("name", "Hand-written", "questions", List.of(
                Map.of("question", "How many players?", "answer", "Six."), Map.of("question", "Who restarts?", "answer", "The defenders.")))).getBody();
        String handWritten = fixtures.post("/api/trainings", Map.of("jobId", job, "examId", uploaded.get("id"), "baseModel", "tiny"))
                .getBody().get("id").asString();
        complete(handWritten, "gpu-1", claimExam(handWritten), q -> answer(false, 0.0, false, null), 0.0);
        assertProblem(fixtures.post("/api/trainings/" + handWritten + "/remediate", Map.of()), 400, "nothing-remediable", "factIds");
        assertProblem(fixtures.get("/api/trainings/" + handWritten + "/remediate/estimate"), 400, "nothing-remediable");

        assertThat(count("job")).isEqualTo(jobsBefore);
        assertThat(count("training_run")).as("only the runs this test queued itself").isEqualTo(runsBefore + 4);
        JsonNode rounds = fixtures.get("/api/trainings/" + perfect + "/rounds").getBody().get("rounds");
        assertThat(rounds).hasSize(1);
        assertThat(rounds.at("/0/round").asInt()).isEqualTo(1);
        assertThat(rounds.at("/0/trainPairs").asLong()).isEqualTo(1);
    }

    /** A job over the document, generated by the fake provider through the API; waits until it has succeeded. */
    private UUID generate(Map<String, Object> overrides) {
        Map<String, Object> request = new HashMap<>(Map.of("documentIds", List.of(document), "context", "International touch rugby rules",
                "provider", "remediation", "model", "fact-model", "temperatures", Map.of("count", 3), "questionsPerChunk", 4, "judge", false));
        request.putAll(overrides);
        ResponseEntity<JsonNode> created = fixtures.post("/api/jobs", request);
        assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
        UUID job = UUID.fromString(created.getBody().get("id").asString());
        await().atMost(Duration.ofSeconds(60)).until(() -> jobStatus(job), status -> !status.equals("QUEUED") && !status.equals("RUNNING"));
        assertThat(jobStatus(job)).isEqualTo("SUCCEEDED");
        return job;
    }

    private Set<Long> factIds(UUID job) {
        Set<Long> ids = new HashSet<>();
        fixtures.get("/api/jobs/" + job + "/facts?size=200").getBody().get("content").forEach(f -> ids.add(f.get("id").asLong()));
        return ids;
    }

    private static long firstFactIn(JsonNode questions, Set<Long> facts) {
        for (JsonNode q : questions) {
            if (facts.contains(q.get("factId").asLong())) {
                return q.get("factId").asLong();
            }
        }
        throw new AssertionError("no question about these facts");
    }

    private JsonNode claimExam(String run) {
        assertThat(fixtures.claim("gpu-1").get("id").asString()).isEqualTo(run);
        return fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + run + "/exam", null).getBody().get("questions");
    }

    /** Completes the run as its worker: before scores nothing, in context everything, after as {@code after} says. */
    private void complete(String run, String worker, JsonNode questions, Function<JsonNode, Map<String, Object>> after, double afterF1) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (JsonNode q : questions) {
            results.add(result(q, "before", answer(false, 0.1, false, null)));
            results.add(result(q, "inContext", answer(true, 1.0, true, true)));
            results.add(result(q, "after", after.apply(q)));
        }
        Map<String, Object> recall = Map.of("before", Map.of("questions", questions.size(), "tokenF1", 0.1),
                "inContext", Map.of("questions", questions.size(), "tokenF1", 1.0),
                "after", Map.of("questions", questions.size(), "tokenF1", afterF1), "recoveryRatio", (afterF1 - 0.1) / 0.9);
        ResponseEntity<JsonNode> done = fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + run + "/complete",
                Map.of("workerId", worker, "results", results, "recall", recall));
        assertThat(done.getStatusCode().value()).as("%s", done.getBody()).isEqualTo(200);
    }

    private static Map<String, Object> answer(boolean exact, double f1, boolean contained, Boolean judge) {
        Map<String, Object> answer = new HashMap<>(Map.of("answer", "an answer", "exactMatch", exact, "tokenF1", f1, "contained", contained));
        answer.put("judge", judge);
        return answer;
    }

    private static Map<String, Object> result(JsonNode question, String phase, Map<String, Object> answer) {
        Map<String, Object> row = new HashMap<>(answer);
        row.put("questionId", question.get("id").asString());
        row.put("phase", phase);
        return row;
    }

    private String jobStatus(UUID job) {
        return fixtures.get("/api/jobs/" + job).getBody().get("status").asString();
    }

    private long count(String table) {
        return jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
    }

    private static Set<String> texts(Iterable<JsonNode> nodes) {
        Set<String> texts = new HashSet<>();
        nodes.forEach(node -> texts.add(node.asString()));
        return texts;
    }
}
