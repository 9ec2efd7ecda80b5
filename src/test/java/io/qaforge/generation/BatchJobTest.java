package io.qaforge.generation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static io.qaforge.generation.GenerationFixtures.awaitEnd;
import static io.qaforge.generation.GenerationFixtures.createJob;
import static io.qaforge.generation.GenerationFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Jobs in batch mode end to end against the fake's Files and Batches API: answers matched by {@code custom_id} whatever
 * their order, failed lines and unanswered tasks of expired or failed batches sent again, the same pipeline as
 * synchronous calls (gate, judge, fact steps), and the cost at batch prices.
 */
@GenerationTest
@TestPropertySource(properties = {
        "qaforge.generation.max-attempts=3",
        "qaforge.generation.batch.poll-interval=50ms",
        "qaforge.generation.providers.openai.base-url=",
        "qaforge.generation.providers.batched.api-key=test-key",
        "qaforge.generation.providers.batched.batch=true",
        "qaforge.generation.providers.batched.prices.batch-model.input-per-million=1.0",
        "qaforge.generation.providers.batched.prices.batch-model.output-per-million=2.0",
        "qaforge.generation.providers.batched.prices.batch-model.batch-discount=0.5",
        "qaforge.generation.providers.batched.base-url=${fake-openai.base-url}",
        "qaforge.generation.providers.plain.base-url=${fake-openai.base-url}",
})
class BatchJobTest {

    static final int CHUNKS = 3;
    static final int QUESTIONS = 3;

    @Autowired
    FakeOpenAi fake;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient db;

    UUID document;

    @BeforeEach
    void setUp() {
        document = GenerationFixtures.upload(http, "batched.txt", GenerationFixtures.document("underwater hockey", CHUNKS));
    }

    Map<String, Object> recipe(String mode) {
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Underwater hockey rules");
        request.put("provider", "batched");
        request.put("model", "batch-model");
        request.put("temperatures", Map.of("count", 3));
        request.put("questionsPerChunk", QUESTIONS);
        request.put("strategy", "recipe");
        request.put("mode", mode);
        return request;
    }

    @Test
    void aBatchJobGoesThroughTheBatchApiAndCostsHalfOfTheSameSyncJob() {
        Map<String, Object> batchRequest = recipe("batch");
        JsonNode batchEstimate = post(http, "/api/jobs/estimate", batchRequest).getBody().get("estimate");
        JsonNode syncEstimate = post(http, "/api/jobs/estimate", recipe("sync")).getBody().get("estimate");
        assertThat(batchEstimate.get("costUsd").decimalValue().multiply(BigDecimal.TWO))
                .as("the estimate at batch prices").isEqualByComparingTo(syncEstimate.get("costUsd").decimalValue());

        UUID batchJob = createJob(http, batchRequest);
        JsonNode batch = awaitEnd(http, batchJob, Duration.ofSeconds(60));
        assertThat(batch.get("status").asString()).as(batch.toString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).as("every call went in a batch").isNotEmpty().allMatch(call -> call.path().startsWith("batch:"));
        assertThat(fake.batches.purposes).containsOnly("batch");
        int tasks = CHUNKS * 3;
        assertThat(batch.get("pairsAccepted").asInt()).isEqualTo(tasks * QUESTIONS);

        // One request line per task, named by its task id, as the chat completions endpoint takes it.
        List<Long> taskIds = db.sql("SELECT id FROM task WHERE job_id = ? ORDER BY id").param(batchJob).query(Long.class).list();
        List<JsonNode> lines = fake.batches.created.stream().flatMap(id -> fake.batches.requests(id).stream()).toList();
        assertThat(lines).extracting(line -> Long.valueOf(line.get("custom_id").asString())).containsExactlyInAnyOrderElementsOf(taskIds);
        assertThat(lines).allSatisfy(line -> {
            assertThat(line.get("method").asString()).isEqualTo("POST");
            assertThat(line.get("url").asString()).isEqualTo("/v1/chat/completions");
            assertThat(line.at("/body/model").asString()).isEqualTo("batch-model");
        });
        // The output file lists answers out of order: each pair still lands with the task that asked for it.
        assertThat(db.sql("""
                        SELECT count(*) FROM qa_pair p JOIN chunk c ON c.id = p.chunk_id
                        WHERE p.job_id = ? AND p.question NOT LIKE '%of fact ' || (c.ordinal + 1) || ' at temperature '
                              || trim(trailing '.' FROM trim(trailing '0' FROM p.temperature::text)) || '%'""")
                .param(batchJob).query(Integer.class).single()).as("pairs stored with another task's answer").isZero();

        // The job ends with its last answer stored; the runner marks the batch settled after reading its last line.
        JsonNode batches = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> GenerationFixtures.job(http, batchJob),
                v -> v.get("batches").findValues("settled").stream().allMatch(JsonNode::asBoolean)).get("batches");
        assertThat(batch.get("mode").asString()).isEqualTo("batch");
        assertThat(batches).isNotEmpty().allSatisfy(b -> {
            assertThat(b.get("id").asString()).startsWith("batch_");
            assertThat(b.get("status").asString()).isEqualTo("completed");
            assertThat(b.get("settled").asBoolean()).isTrue();
            assertThat(b.get("createdAt").isNull()).isFalse();
            assertThat(b.get("completedAt").isNull()).isFalse();
        });
        int total = 0, completed = 0;
        for (JsonNode b : batches) {
            total += b.get("total").asInt();
            completed += b.get("completed").asInt();
        }
        assertThat(total).isEqualTo(tasks);
        assertThat(completed).isEqualTo(tasks);

        // The same job run synchronously: the same calls, at twice the price.
        int batchCalls = fake.calls.size();
        UUID syncJob = createJob(http, recipe("sync"));
        JsonNode sync = awaitEnd(http, syncJob, Duration.ofSeconds(60));
        assertThat(sync.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls.subList(batchCalls, fake.calls.size())).hasSize(tasks)
                .allMatch(call -> call.path().equals("/v1/chat/completions"));
        assertThat(sync.get("batches")).isEmpty();
        assertThat(batch.get("promptTokens").asLong()).isEqualTo(sync.get("promptTokens").asLong());
        assertThat(batch.get("completionTokens").asLong()).isEqualTo(sync.get("completionTokens").asLong());
        BigDecimal batchCost = batch.get("costUsd").decimalValue(), syncCost = sync.get("costUsd").decimalValue();
        assertThat(batchCost).isPositive();
        assertThat(batchCost.multiply(BigDecimal.TWO)).as("stored to the micro-dollar per call")
                .isCloseTo(syncCost, within(BigDecimal.valueOf(tasks, 6)));
        JsonNode split = batch.get("costSplitUsd");
        BigDecimal gross = split.get("input").decimalValue().add(split.get("output").decimalValue());
        assertThat(gross).as("input and output at list prices").isCloseTo(syncCost, within(BigDecimal.valueOf(2 * tasks, 6)));
        assertThat(split.get("batchDiscount").decimalValue()).as("half of input and output")
                .isCloseTo(gross.subtract(batchCost), within(BigDecimal.valueOf(3 * tasks, 6)))
                .isCloseTo(batchCost, within(BigDecimal.valueOf(2 * tasks, 6)));
        assertThat(sync.get("costSplitUsd").get("batchDiscount").decimalValue()).isZero();
    }

    @Test
    void failedLinesAreSentAgainInTheNextBatch() {
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        fake.batches.lineError = call -> call.fact() == 2 && failedOnce.add(call.key()) ? "The server had an error." : null;
        UUID job = createJob(http, recipe("batch"));
        JsonNode view = awaitEnd(http, job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(failedOnce).hasSize(3);
        assertThat(fake.batches.created).hasSizeGreaterThanOrEqualTo(2);
        assertThat(view.get("batches").get(0).get("failed").asInt()).as("the first batch's error file").isEqualTo(3);
        assertExactlyOnce(job, CHUNKS * 3);
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND attempts = 2").param(job).query(Integer.class).single())
                .as("the failed lines' tasks, their second attempt").isEqualTo(3);
    }

    @Test
    void anExpiredBatchsUnansweredTasksGoInTheNextBatch() {
        fake.batches.ending = n -> n == 1 ? "expired" : null;
        UUID job = createJob(http, recipe("batch"));
        JsonNode view = awaitEnd(http, job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        JsonNode first = view.get("batches").get(0);
        assertThat(first.get("status").asString()).isEqualTo("expired");
        assertThat(first.get("completed").asInt()).as("answered before it expired: kept").isEqualTo(CHUNKS * 3 / 2);
        assertExactlyOnce(job, CHUNKS * 3);
        assertThat(fake.calls).as("no task asked twice but those the expired batch left").hasSize(CHUNKS * 3);
    }

    @Test
    void aFailedBatchsTasksGoInTheNextBatch() {
        fake.batches.ending = n -> n == 1 ? "failed" : null;
        UUID job = createJob(http, recipe("batch"));
        JsonNode view = awaitEnd(http, job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        JsonNode first = view.get("batches").get(0);
        assertThat(first.get("status").asString()).isEqualTo("failed");
        assertThat(first.get("error").asString()).contains("could not be processed");
        assertExactlyOnce(job, CHUNKS * 3);
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND attempts <> 2").param(job).query(Integer.class).single())
                .as("every task's attempt in the failed batch counted").isZero();
    }

    @Test
    void aBatchTakesOnlyWhatTheJobsBudgetCanPayFor() {
        // A budget just above the estimate. The first chunk's requests fail once; the others' answers cost more than
        // estimated, leaving room for one and a half tasks' estimates: the retry batch takes only what that pays for.
        Map<String, Object> request = recipe("batch");
        int tasks = CHUNKS * 3;
        double estimate = post(http, "/api/jobs/estimate", request).getBody().at("/estimate/costUsd").asDouble();
        double perTask = estimate / tasks, budget = estimate * 1.05;
        double padded = (budget - 1.5 * perTask) / (tasks - 3);
        Set<Double> failedOnce = ConcurrentHashMap.newKeySet();
        fake.script = call -> call.fact() == 1 && failedOnce.add(call.temperature())
                ? FakeOpenAi.Reply.status(500, Map.of(), "{\"error\":{\"message\":\"boom\"}}")
                : FakeOpenAi.costing(call, padded, 0.5e-6, 1.0e-6); // batch-model at the batch price
        request.put("maxCostUsd", budget);
        UUID job = createJob(http, request);
        JsonNode view = awaitEnd(http, job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("BUDGET_EXHAUSTED");
        assertThat(view.at("/tasks/done").asInt()).isEqualTo(tasks - 2);
        assertThat(view.at("/tasks/pending").asInt()).isEqualTo(2);
        assertThat(fake.calls).as("the failed three and the done").hasSize(3 + view.at("/tasks/done").asInt());
    }

    @Test
    void cancellingABatchJobCancelsItsBatchesAtTheProvider() {
        fake.batches.hold = true;
        UUID job = createJob(http, recipe("batch"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> !fake.batches.created.isEmpty() && fake.batches.status(fake.batches.created.getFirst()).equals("in_progress"));
        assertThat(post(http, "/api/jobs/" + job + "/cancel", Map.of()).getStatusCode().is2xxSuccessful()).isTrue();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> fake.batches.status(fake.batches.created.getFirst()).equals("cancelled"));
        JsonNode view = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> GenerationFixtures.job(http, job), v -> v.get("batches").get(0).get("settled").asBoolean());
        assertThat(view.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(view.get("batches").get(0).get("status").asString()).isEqualTo("cancelled");
        assertThat(view.get("pairsAccepted").asInt()).as("answers of a cancelled job are not stored").isZero();
        assertThat(fake.batches.created).hasSize(1);
    }

    @Test
    void factJobsRunTheirFactsPairsAndJudgeStepsInBatches() {
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Underwater hockey rules");
        request.put("provider", "batched");
        request.put("model", "batch-model");
        request.put("temperatures", Map.of("count", 2));
        request.put("questionsPerChunk", 3);
        request.put("mode", "batch");
        UUID job = createJob(http, request);
        JsonNode view = awaitEnd(http, job, Duration.ofSeconds(90));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).allMatch(call -> call.path().startsWith("batch:"));
        assertThat(fake.calls).extracting(FakeOpenAi.Call::kind).contains("facts", "pairs", "judge");
        assertThat(view.get("judge").get("passed").asInt()).isPositive();
        assertThat(view.get("pairsAccepted").asInt()).isPositive();
        assertThat(view.get("coverage").get("covered").asInt()).isEqualTo(view.get("coverage").get("facts").asInt());
        assertThat(view.get("batches").size()).as("facts, then pairs, then judge at least").isGreaterThanOrEqualTo(3);
        assertThat(view.get("costSplitUsd").get("batchDiscount").decimalValue()).isPositive();
    }

    @Test
    void batchModeNeedsAProviderThatTakesBatches() {
        int jobs = db.sql("SELECT count(*) FROM job").query(Integer.class).single();
        Map<String, Object> request = recipe("batch");
        request.put("provider", "plain");
        request.put("model", "any");
        ResponseEntity<JsonNode> refused = post(http, "/api/jobs", request);
        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(refused.getBody().get("type").asString()).isEqualTo("/problems/batch-unsupported");
        assertThat(refused.getBody().get("detail").asString()).contains("plain");

        ResponseEntity<JsonNode> invalid = post(http, "/api/jobs", recipe("overnight"));
        assertThat(invalid.getStatusCode().value()).isEqualTo(400);
        assertThat(invalid.getBody().get("type").asString()).isEqualTo("/problems/invalid-mode");
        assertThat(db.sql("SELECT count(*) FROM job").query(Integer.class).single()).as("nothing stored").isEqualTo(jobs);

        JsonNode settings = http.getForObject("/api/console/settings", JsonNode.class).get("jobs");
        assertThat(settings.get("providers")).filteredOn(p -> p.get("name").asString().equals("batched"))
                .singleElement().satisfies(p -> assertThat(p.get("batch").asBoolean()).isTrue());
        assertThat(settings.get("modes")).extracting(JsonNode::asText).containsExactly("sync", "batch");
    }

    private void assertExactlyOnce(UUID job, int tasks) {
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND status = 'DONE'").param(job).query(Integer.class).single())
                .isEqualTo(tasks);
        assertThat(db.sql("""
                        SELECT count(*) FROM task t
                        WHERE t.job_id = ? AND (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> ?""")
                .params(job, QUESTIONS).query(Integer.class).single()).as("tasks whose pairs are not exactly the fake's").isZero();
    }
}
