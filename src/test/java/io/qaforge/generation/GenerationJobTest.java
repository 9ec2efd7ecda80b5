package io.qaforge.generation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import static io.qaforge.generation.GenerationFixtures.awaitEnd;
import static io.qaforge.generation.GenerationFixtures.createJob;
import static io.qaforge.generation.GenerationFixtures.job;
import static io.qaforge.generation.GenerationFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Jobs end to end: the real Spring AI client against an in-process OpenAI-compatible server, on real PostgreSQL. */
@GenerationTest
@TestPropertySource(properties = {
        "qaforge.generation.max-attempts=3",
        "qaforge.generation.providers.fake.api-key=test-key",
        "qaforge.generation.providers.fake.max-concurrency=4",
        "qaforge.generation.providers.fake.timeout=1s",
        "qaforge.generation.providers.fake.prices.fake-model.input-per-million=1.0",
        "qaforge.generation.providers.fake.prices.fake-model.output-per-million=2.0",
        "qaforge.generation.providers.fake.prices.fake-model.cached-input-per-million=0.5",
        "qaforge.generation.providers.fakejson.api-key=test-key",
        "qaforge.generation.providers.fakejson.structured-output=true",
        "qaforge.generation.providers.runpod.api-key=",
        "spring.ai.openai.api-key=sk-from-spring-ai",
        "qaforge.generation.providers.fake.base-url=${fake-openai.base-url}",
        "qaforge.generation.providers.fakejson.base-url=${fake-openai.base-url}",
        "spring.ai.openai.base-url=${fake-openai.base-url}",
})
class GenerationJobTest {

    static final int FACTS = 12;

    @Autowired
    FakeOpenAi fake;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient db;

    UUID document;

    @BeforeEach
    void setUp() {
        document = GenerationFixtures.upload(http, "rules.txt", GenerationFixtures.document("international touch rugby", FACTS));
        assertThat(http.getForObject("/api/documents/" + document, JsonNode.class).get("chunkCount").asInt())
                .as("one chunk per fact, so the fake's fact numbers name chunks").isEqualTo(FACTS);
    }

    Map<String, Object> request(int chunks, Object temperatures) {
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "International touch rugby rules");
        request.put("provider", "fake");
        request.put("model", "fake-model");
        request.put("temperatures", temperatures);
        request.put("questionsPerChunk", 3);
        request.put("chunkLimit", chunks);
        request.put("strategy", "recipe");
        return request;
    }

    @Test
    void happyPathStoresEveryPairWithItsProvenance() throws Exception {
        Map<String, Object> request = request(2, Map.of("count", 3));
        request.put("variants", List.of("standard", "simple"));
        request.put("seed", 7);
        UUID id = createJob(http, request);

        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/tasks/total").asInt()).isEqualTo(12);
        assertThat(view.at("/tasks/done").asInt()).isEqualTo(12);
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(36);
        assertThat(view.get("rejects").size()).isZero();
        assertThat(view.get("promptTokens").asLong()).isPositive();
        assertThat(view.get("completionTokens").asLong()).isPositive();
        assertThat(view.get("costUsd").decimalValue()).isPositive();
        assertThat(view.at("/estimate/requests").asInt()).isEqualTo(12);
        assertThat(view.at("/params/prompts/standard").asString()).as("the job keeps the templates it used").contains("{chunk}");
        assertThat(view.at("/params/prompts/simple").asString()).contains("{chunk}");

        assertThat(fake.calls).hasSize(12).allSatisfy(call -> {
            assertThat(call.path()).isEqualTo("/v1/chat/completions");
            assertThat(call.authorization()).isEqualTo("Bearer test-key");
            assertThat(call.model()).isEqualTo("fake-model");
            assertThat(call.prompt()).startsWith("International touch rugby rules").contains("Provide 3 ");
        });
        assertThat(fake.calls.stream().map(FakeOpenAi.Call::temperature).distinct()).containsExactlyInAnyOrder(0.01, 0.605, 1.2);

        JsonNode pairs = http.getForObject("/api/jobs/" + id + "/pairs?size=100", JsonNode.class);
        assertThat(pairs.at("/page/totalElements").asInt()).isEqualTo(36);
        JsonNode first = pairs.get("content").get(0);
        assertThat(first.get("question").asString()).startsWith("What is detail 1 of fact 1");
        assertThat(first.get("pageFrom").asInt()).isEqualTo(1);
        assertThat(first.get("chunkOrdinal").asInt()).as("pairs come chunk by chunk").isZero();
        assertThat(first.get("documentId").asString()).isNotBlank();
        assertThat(first.get("model").asString()).isEqualTo("fake-model");
        assertThat(first.get("attempt").asInt()).isEqualTo(1);
        assertThat(first.get("variant").asString()).isIn("standard", "simple");
        assertThat(http.getForObject("/api/jobs/" + id + "/pairs?temperature=0.605&variant=simple", JsonNode.class)
                .at("/page/totalElements").asInt()).isEqualTo(6);
        int train = http.getForObject("/api/jobs/" + id + "/pairs?split=train", JsonNode.class).at("/page/totalElements").asInt();
        int test = http.getForObject("/api/jobs/" + id + "/pairs?split=test", JsonNode.class).at("/page/totalElements").asInt();
        assertThat(train + test).isEqualTo(36);
        assertThat(train).isGreaterThan(test);

        String events = http.getForObject("/api/jobs/" + id + "/events", String.class);
        assertThat(events).contains("event:job").contains("\"status\":\"SUCCEEDED\"");

        JsonNode listed = http.getForObject("/api/jobs?size=100", JsonNode.class);
        assertThat(listed.findValuesAsString("id")).contains(id.toString());
        assertThat(listed.at("/content/0/createdAt").asString()).as("newest first")
                .isGreaterThanOrEqualTo(listed.at("/content/" + (listed.get("content").size() - 1) + "/createdAt").asString());
    }

    @Test
    void cachedInputIsPricedAtTheCachedRateAndTheCostIsSplitByWhatWasPaidFor() throws Exception {
        fake.cachedTokens = 40;
        UUID id = createJob(http, request(2, List.of(0.7)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        long prompt = view.get("promptTokens").asLong(), completion = view.get("completionTokens").asLong();
        assertThat(view.get("cachedPromptTokens").asLong()).isEqualTo(80);
        JsonNode split = view.get("costSplitUsd");
        assertThat(split.get("input").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(prompt - 80).movePointLeft(6));
        assertThat(split.get("cachedInput").decimalValue()).isEqualByComparingTo(new BigDecimal("0.00004"));
        assertThat(split.get("output").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(completion * 2).movePointLeft(6));
        assertThat(split.get("batchDiscount").decimalValue()).as("no batch calls").isZero();
        assertThat(view.get("costUsd").decimalValue()).as("the total is the split's sum")
                .isEqualByComparingTo(split.get("input").decimalValue().add(split.get("cachedInput").decimalValue())
                        .add(split.get("output").decimalValue()));
        assertThat(db.sql("SELECT sum(cached_prompt_tokens) FROM task WHERE job_id = ?").param(id).query(Long.class).single())
                .isEqualTo(80);
    }

    @Test
    void estimateCountsTokensAndCostWithoutSideEffects() {
        long jobsBefore = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        Map<String, Object> request = request(4, null);
        request.remove("questionsPerChunk");
        ResponseEntity<JsonNode> response = post(http, "/api/jobs/estimate", request);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode estimate = response.getBody().get("estimate");
        assertThat(estimate.get("chunks").asInt()).isEqualTo(4);
        assertThat(estimate.get("requests").asInt()).isEqualTo(36);
        assertThat(response.getBody().get("temperatures")).hasSize(9);
        assertThat(estimate.get("promptTokens").asLong()).isGreaterThan(36L * 60);
        assertThat(estimate.get("expectedCompletionTokens").asLong()).isPositive();
        assertThat(estimate.get("costUsd").decimalValue()).isPositive();
        assertThat(estimate.get("priced").asBoolean()).isTrue();

        request.put("dryRun", true);
        assertThat(post(http, "/api/jobs", request).getStatusCode().value()).isEqualTo(200);
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(jobsBefore);
        assertThat(fake.calls).isEmpty();
    }

    @Test
    void badInputIsAProblemAndCreatesNothing() {
        long jobsBefore = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("invalid-temperatures", with(request(1, List.of(0.5, 2.5))));
        cases.put("invalid-temperatures ", with(request(1, Map.of("count", 0))));
        cases.put("invalid-request", with(request(1, null), "documentIds", List.of()));
        cases.put("unknown-document", with(request(1, null), "documentIds", List.of(UUID.randomUUID())));
        cases.put("unknown-provider", with(request(1, null), "provider", "nope"));
        cases.put("unknown-model", with(request(1, null), "model", "gpt-17"));
        cases.put("provider-not-configured", with(with(request(1, null), "provider", "runpod"), "model", "any"));
        cases.put("unknown-variant", with(request(1, null), "variants", List.of("poetic")));
        UUID empty = UUID.randomUUID(); // the upload API never stores a document without text, so store one directly
        db.sql("INSERT INTO document (id, name, sha256, media_type, size_bytes, pages, tokens, chunk_count, status) "
                + "VALUES (?, 'empty.txt', ?, 'text/plain', 0, 1, 0, 0, 'READY')")
                .params(empty, (empty.toString().replace("-", "") + empty.toString().replace("-", ""))).update();
        cases.put("no-chunks", with(request(1, null), "documentIds", List.of(empty)));
        cases.forEach((problem, body) -> {
            ResponseEntity<JsonNode> response = post(http, "/api/jobs", body);
            assertThat(response.getStatusCode().is4xxClientError()).as(problem + ": " + response.getBody()).isTrue();
            assertThat(response.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
            assertThat(response.getBody().get("type").asString()).as(problem).isEqualTo("/problems/" + problem.strip());
        });
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(jobsBefore);
    }

    @Test
    void rateLimitedCallsWaitForRetryAfter() throws Exception {
        fake.script = call -> call.fact() == 1 && fake.callsFor(1).size() == 1
                ? FakeOpenAi.Reply.status(429, Map.of("Retry-After", "1"),
                "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}")
                : null;
        UUID id = createJob(http, request(2, List.of(0.7)));
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
        List<FakeOpenAi.Call> calls = fake.callsFor(1);
        assertThat(calls).hasSize(2);
        assertThat(Duration.ofNanos(calls.get(1).atNanos() - calls.get(0).atNanos())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(pairsOf(id, 1)).isEqualTo(3);
    }

    @Test
    void exhaustedRateLimitHeadersPauseTheProviderUntilTheReset() throws Exception {
        // The first answer comes at once and says the minute's requests are used up; the others take 300 ms.
        fake.script = call -> call.index() == fake.calls.getFirst().index()
                ? new FakeOpenAi.Reply(200, Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1s"),
                FakeOpenAi.ok(FakeOpenAi.linePairs(call), "stop", call).body(), 0)
                : FakeOpenAi.ok(FakeOpenAi.linePairs(call), "stop", call).delayed(300);
        UUID id = createJob(http, request(1, Map.of("count", 6)));
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
        // Four calls go out at once (max-concurrency 4); the two after them wait for the reset the first answer named.
        assertThat(fake.calls).hasSize(6);
        long first = fake.calls.getFirst().atNanos();
        assertThat(fake.calls.subList(4, 6)).allSatisfy(call ->
                assertThat(Duration.ofNanos(call.atNanos() - first)).isGreaterThanOrEqualTo(Duration.ofMillis(950)));
    }

    @Test
    void aJobsOwnPromptAndSplitsByChunk() throws Exception {
        Map<String, Object> request = request(6, Map.of("count", 2));
        request.put("variants", List.of("mine"));
        request.put("prompts", Map.of("mine", "Quiz me on this. {context}\n\n{chunk}\n\nProvide {n} pairs in the style of a pub quiz."));
        request.put("splitBy", "chunk");
        request.put("testFraction", 0.5);
        UUID id = createJob(http, request);
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).allSatisfy(call -> assertThat(call.prompt()).startsWith("Quiz me on this. International touch rugby rules")
                .contains("Provide 3 pairs in the style of a pub quiz."));
        assertThat(db.sql("SELECT count(DISTINCT split) FROM qa_pair WHERE job_id = ? GROUP BY chunk_id").param(id)
                .query(Integer.class).list()).as("one split per chunk").hasSize(6).containsOnly(1);
        assertThat(db.sql("SELECT count(DISTINCT split) FROM qa_pair WHERE job_id = ?").param(id).query(Integer.class).single())
                .as("six chunks at one half each: both splits occur").isEqualTo(2);
    }

    @Test
    void serverErrorsAreRetriedThenTheTaskFailsAndCanBeRetried() throws Exception {
        fake.script = call -> call.fact() == 2 ? FakeOpenAi.Reply.status(500, Map.of(), "{\"error\":{\"message\":\"boom\"}}") : null;
        UUID id = createJob(http, request(3, List.of(0.7)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("COMPLETED_WITH_ERRORS");
        assertThat(view.at("/tasks/failed").asInt()).isEqualTo(1);
        assertThat(view.get("failures")).as("the view says why").hasSize(1);
        assertThat(view.at("/failures/0/reason").asString()).contains("HTTP 500", "boom");
        assertThat(view.at("/failures/0/tasks").asInt()).isEqualTo(1);
        assertThat(fake.callsFor(2)).hasSize(3);
        assertThat(db.sql("SELECT last_error FROM task WHERE job_id = ? AND status = 'FAILED'").param(id).query(String.class).single())
                .contains("HTTP 500").contains("boom").contains("after 3 attempts");

        fake.script = call -> null;
        ResponseEntity<JsonNode> retry = post(http, "/api/jobs/" + id + "/retry-failed", Map.of());
        assertThat(retry.getBody().get("tasksReset").asInt()).isEqualTo(1);
        view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(9);
        assertThat(view.get("failures")).as("nothing failed any more").isEmpty();
    }

    @Test
    void slowResponsesPastTheTimeoutAreRetried() throws Exception {
        fake.script = call -> call.fact() == 1 && fake.callsFor(1).size() == 1
                ? FakeOpenAi.ok(FakeOpenAi.linePairs(call), "stop", call).delayed(1500) : null;
        UUID id = createJob(http, request(2, List.of(0.7)));
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.callsFor(1)).hasSize(2);
        assertThat(pairsOf(id, 1)).as("the late answer of the first call is not stored").isEqualTo(3);
    }

    @Test
    void malformedTruncatedAndThinkingOutputs() throws Exception {
        fake.script = call -> {
            boolean first = fake.callsFor(call.fact()).size() == 1;
            return switch (call.fact()) {
                case 1 -> first ? FakeOpenAi.Reply.status(200, Map.of(), "this is not json {") : null;
                case 2 -> first ? FakeOpenAi.ok("I'm sorry, I cannot help with that.", "stop", call) : null;
                case 3 -> FakeOpenAi.ok(FakeOpenAi.question(call, 1) + "\n" + FakeOpenAi.answer(call, 1) + "\n"
                        + FakeOpenAi.question(call, 2) + "\n" + FakeOpenAi.answer(call, 2) + "\nWhat is detail 3 of", "length", call);
                case 4 -> FakeOpenAi.ok("<think>Let me write three pairs.\nWhat is not a pair?</think>\n" + FakeOpenAi.linePairs(call), "stop", call);
                case 5 -> first ? FakeOpenAi.Reply.status(200, Map.of(), "{\"error\":{\"message\":\"worker crashed\",\"type\":\"worker_error\"}}") : null;
                default -> null;
            };
        };
        UUID id = createJob(http, request(5, List.of(0.7)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.callsFor(1)).hasSize(2);
        assertThat(fake.callsFor(2)).hasSize(2);
        assertThat(fake.callsFor(5)).hasSize(2);
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(3 + 3 + 2 + 3 + 3);
        assertThat(view.at("/rejects/truncated").asInt()).isEqualTo(1);
        assertThat(pairsOf(id, 4)).isEqualTo(3);
        assertThat(db.sql("SELECT max(attempt) FROM qa_pair WHERE job_id = ? AND chunk_id = ?").params(id, chunkId(1))
                .query(Integer.class).single()).isEqualTo(2);
    }

    @Test
    void duplicatesWithinTheJobAreRejectedAndCounted() throws Exception {
        fake.script = call -> FakeOpenAi.ok("How many players does fact " + call.fact() + " allow?\nSix players.\n"
                + "What does fact " + call.fact() + " say about restarts?\nPlay restarts quickly.", "stop", call);
        UUID id = createJob(http, request(1, Map.of("count", 3)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(2);
        assertThat(view.at("/rejects/duplicate").asInt()).isEqualTo(4);
    }

    @Test
    void insufficientQuotaStopsTheJobWithoutRetrying() throws Exception {
        fake.script = call -> FakeOpenAi.Reply.status(429, Map.of(), "{\"error\":{\"message\":\"You exceeded your current quota\","
                + "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}");
        UUID id = createJob(http, request(1, List.of(0.7)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("FAILED");
        assertThat(view.get("error").asString()).contains("quota");
        assertThat(fake.calls).hasSize(1);
    }

    @Test
    void aRejectedKeyStopsTheJobWithoutEchoingTheKey() throws Exception {
        fake.script = call -> FakeOpenAi.Reply.status(401, Map.of(), "{\"error\":{\"message\":\"Incorrect API key provided: "
                + "sk-proj-abcdef123456. You can find your API key at https://platform.openai.com\",\"code\":\"invalid_api_key\"}}");
        UUID id = createJob(http, request(2, List.of(0.7)));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("FAILED");
        assertThat(view.get("error").asString()).contains("HTTP 401").contains("sk-***").doesNotContain("abcdef123456");
    }

    @Test
    void budgetStopsClaimingAndAHigherBudgetResumes() throws Exception {
        // A budget just above the estimate, and answers that cost 2.5 times what was estimated: it runs out part way.
        Map<String, Object> request = request(6, List.of(0.7));
        double estimate = post(http, "/api/jobs/estimate", request).getBody().at("/estimate/costUsd").asDouble();
        double budget = estimate * 1.05;
        fake.script = call -> FakeOpenAi.costing(call, 2.5 * estimate / 6, 1.0e-6, 2.0e-6);
        request.put("maxCostUsd", budget);
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("BUDGET_EXHAUSTED");
        // No claim after the first answers showed the overrun: at most the four (max-concurrency) claimed before them.
        assertThat(view.at("/tasks/done").asInt()).isBetween(1, 4);

        post(http, "/api/jobs/" + id + "/resume", Map.of("maxCostUsd", estimate * 100));
        view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/tasks/done").asInt()).isEqualTo(6);
        assertThat(fake.calls).hasSize(6);
    }

    @Test
    void aJobWhoseEstimateExceedsItsBudgetIsRefusedAndNothingIsStored() {
        Map<String, Object> request = request(6, List.of(0.7));
        BigDecimal estimate = post(http, "/api/jobs/estimate", request).getBody().at("/estimate/costUsd").decimalValue();
        long jobsBefore = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        request.put("maxCostUsd", estimate.multiply(new BigDecimal("0.9")));
        ResponseEntity<JsonNode> refused = post(http, "/api/jobs", request);
        assertThat(refused.getStatusCode().value()).isEqualTo(422);
        assertThat(refused.getBody().get("type").asString()).endsWith("/problems/over-budget");
        assertThat(refused.getBody().get("detail").asString()).contains("estimated at $", "above maxCostUsd $");
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(jobsBefore);
        assertThat(fake.calls).isEmpty();
        request.put("dryRun", true);
        assertThat(post(http, "/api/jobs", request).getStatusCode().value()).as("a dry run still shows the estimate").isEqualTo(200);
    }

    @Test
    void aJobWhoseNextTaskNoLongerFitsItsBudgetEndsAndNeverHoldsUpAnotherJob() throws Exception {
        // Per chunk a "long" task (a big template) and a "short" one, with a budget just above the estimate. The long
        // ones fail, and then the short ones are answered at more than their estimate: what is left of the budget
        // then pays for no long task when they are retried.
        String filler = "Background for the quiz writer: the laws of the game as the federation publishes them. ".repeat(200);
        Map<String, Object> request = request(2, List.of(0.7));
        request.put("variants", List.of("long", "short"));
        request.put("prompts", Map.of("long", filler + "{context}\n\n{chunk}\n\nProvide {n} pairs.",
                "short", "{context}\n\n{chunk}\n\nProvide {n} pairs."));
        BigDecimal longTask = taskCost(request, "long");
        BigDecimal shortTask = taskCost(request, "short");
        assertThat(longTask).isGreaterThan(shortTask.multiply(BigDecimal.valueOf(4)));
        BigDecimal budget = longTask.add(shortTask).multiply(new BigDecimal("2.02"));
        double shortPadded = budget.subtract(longTask.divide(BigDecimal.TWO)).divide(BigDecimal.TWO).doubleValue();
        fake.script = call -> {
            if (call.prompt().contains("Background for the quiz writer")) { // a 400: this task fails at once
                return FakeOpenAi.Reply.status(400, Map.of(), "{\"error\":{\"message\":\"maximum context length exceeded\"}}");
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofMillis(900)).ignoreExceptions().until(() -> db.sql(
                    "SELECT count(*) FROM task WHERE variant = 'long' AND status = 'FAILED'").query(Long.class).single() == 2);
            return FakeOpenAi.costing(call, shortPadded, 1.0e-6, 2.0e-6);
        };
        request.put("maxCostUsd", budget);
        UUID budgeted = createJob(http, request);
        JsonNode first = awaitEnd(http, budgeted, Duration.ofSeconds(30));
        assertThat(first.at("/tasks/failed").asInt()).as(first.toString()).isEqualTo(2);
        fake.script = call -> null;

        post(http, "/api/jobs/" + budgeted + "/retry-failed", Map.of());
        UUID next = createJob(http, request(3, List.of(0.3)));
        JsonNode view = awaitEnd(http, budgeted, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("BUDGET_EXHAUSTED");
        assertThat(view.at("/tasks/done").asInt()).as("both short tasks").isEqualTo(2);
        assertThat(view.at("/tasks/pending").asInt()).as("both long tasks, each beyond what is left of the budget").isEqualTo(2);
        assertThat(view.get("costUsd").decimalValue()).isLessThanOrEqualTo(view.get("maxCostUsd").decimalValue());
        assertThat(awaitEnd(http, next, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
    }


    @Test
    void aCallPutBackForAnotherTryThatTheBudgetNoLongerCoversEndsTheJob() throws Exception {
        // Two calls at once, with a budget just above the estimate: chunk 1's answer comes first and costs twice its
        // estimate; chunk 2's call then fails with a 500, and what is left of the budget pays for no second try.
        Map<String, Object> request = request(2, List.of(0.7));
        request.put("variants", List.of("mine"));
        request.put("prompts", Map.of("mine", "{context}\n\n{chunk}\n\nProvide {n} pairs."));
        BigDecimal task = taskCost(request, "mine");
        request.put("maxCostUsd", task.multiply(new BigDecimal("2.1")));
        fake.script = call -> {
            if (call.fact() == 1) {
                return FakeOpenAi.costing(call, task.doubleValue() * 2, 1.0e-6, 2.0e-6);
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> db.sql(
                    "SELECT count(*) FROM task WHERE chunk_id = ? AND status = 'DONE'").param(chunkId(1)).query(Long.class).single() == 1);
            return FakeOpenAi.Reply.status(500, Map.of(), "{\"error\":{\"message\":\"boom\"}}");
        };
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("BUDGET_EXHAUSTED");
        assertThat(view.at("/tasks/pending").asInt()).as("chunk 2's call, waiting for a budget that will not come").isEqualTo(1);
    }

    @Test
    void numbersAndListsPastTheirLimitsAreProblemsAndCreateNothing() {
        long jobsBefore = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        // An estimate multiplied out in int went negative at this value (and the budget with it).
        cases.put("questionsPerChunk: must be less than or equal to 100", with(request(1, null), "questionsPerChunk", 47721859));
        cases.put("tokensPerQuestion: must be less than or equal to 100000", with(request(1, null), "tokensPerQuestion", 2_000_000_000));
        cases.put("chunkLimit: must be less than or equal to 1000000", with(request(1, null), "chunkLimit", 2_000_000_000));
        cases.put("maxTokens: must be less than or equal to 1000000000000", with(request(1, null), "maxTokens", Long.MAX_VALUE));
        cases.put("maxCostUsd: must be less than or equal to 1000000", with(request(1, null), "maxCostUsd", new BigDecimal("1e12")));
        cases.put("variants: size must be between 0 and 20", with(request(1, null), "variants",
                java.util.stream.IntStream.range(0, 21).mapToObj(i -> "v" + i).toList()));
        cases.put("size must be between 0 and 20000", with(request(1, null), "prompts",
                Map.of("standard", "{chunk} " + "x".repeat(20_000))));
        cases.put("prompts: size must be between 0 and 20", with(request(1, null), "prompts",
                java.util.stream.IntStream.range(0, 21).boxed().collect(java.util.stream.Collectors.toMap(i -> "v" + i, i -> "{chunk}"))));
        cases.put("model: size must be between 0 and 200", with(request(1, null), "model", "m".repeat(201)));
        cases.put("at most 100 temperatures", with(request(1, java.util.Collections.nCopies(101, 0.5)), "questionsPerChunk", 3));
        cases.put("count must be a whole number between 1 and 100, was 1.9", request(1, Map.of("count", 1.9)));
        cases.put("count must be a whole number between 1 and 100, was 4294967297", request(1, Map.of("count", 4294967297L)));
        cases.forEach((limit, body) -> {
            for (String path : List.of("/api/jobs", "/api/jobs/estimate")) {
                ResponseEntity<JsonNode> response = post(http, path, body);
                assertThat(response.getStatusCode().value()).as(limit + ": " + response.getBody()).isEqualTo(400);
                assertThat(response.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
                assertThat(response.getBody().get("detail").asString()).as("names the limit").contains(limit);
            }
        });
        ResponseEntity<JsonNode> fraction = post(http, "/api/jobs", with(request(1, null), "questionsPerChunk", 2.5));
        assertThat(fraction.getStatusCode().value()).as("2.5 questions is not 2").isEqualTo(400);
        assertThat(post(http, "/api/jobs/" + UUID.randomUUID() + "/resume", Map.of("maxCostUsd", 1e12)).getStatusCode().value())
                .isEqualTo(400);
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(jobsBefore);
    }

    @Test
    void aJobOfMoreTasksThanTheLimitIsAProblemBeforeAnyIsPlanned() {
        UUID big = GenerationFixtures.upload(http, "big.txt", GenerationFixtures.document("beach handball", 120));
        Map<String, Object> request = request(1_000_000, Map.of("count", 100));
        request.put("documentIds", List.of(big));
        List<String> variants = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "v" + i).toList();
        request.put("variants", variants);
        request.put("prompts", variants.stream().collect(java.util.stream.Collectors.toMap(v -> v, v -> v + " {chunk} Provide {n} pairs.")));
        ResponseEntity<JsonNode> response = post(http, "/api/jobs/estimate", request);
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(400);
        assertThat(response.getBody().get("type").asString()).isEqualTo("/problems/too-many-tasks");
        assertThat(response.getBody().get("detail").asString()).contains("at most 200000");
    }

    @Test
    void aDocumentAJobUsesCannotBeDeleted() throws Exception {
        UUID id = createJob(http, request(FACTS, Map.of("count", 1)));
        awaitEnd(http, id, Duration.ofSeconds(30));
        ResponseEntity<JsonNode> refused = http.exchange("/api/documents/" + document, HttpMethod.DELETE, null, JsonNode.class);
        assertThat(refused.getStatusCode().value()).isEqualTo(409);
        assertThat(refused.getBody().get("type").asString()).endsWith("/problems/document-in-use");
        assertThat(http.getForEntity("/api/documents/" + document, JsonNode.class).getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void cancelStopsTheJob() throws Exception {
        fake.latencyMillis = 200;
        UUID id = createJob(http, request(FACTS, Map.of("count", 4)));
        ResponseEntity<JsonNode> cancelled = post(http, "/api/jobs/" + id + "/cancel", Map.of());
        assertThat(cancelled.getBody().get("status").asString()).isEqualTo("CANCELLED");
        // Calls claimed just before the cancel may still go out; then none: the count holds still for half a second.
        int calls = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(new CallCountSettled(Duration.ofMillis(500)), settled -> settled >= 0);
        assertThat(fake.calls).hasSize(calls);
        assertThat(calls).isLessThan(48);
        assertThat(post(http, "/api/jobs/" + id + "/cancel", Map.of()).getStatusCode().value()).isEqualTo(409);
    }

    @Test
    void structuredOutputWhenTheProviderTakesAJsonSchema() throws Exception {
        Map<String, Object> request = request(2, List.of(0.3));
        request.put("provider", "fakejson");
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(30));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(6);
        assertThat(fake.calls).allSatisfy(call -> assertThat(call.json()).isTrue());
    }

    @Test
    void theOpenAiProviderTakesSpringAisOwnProperties() throws Exception {
        Map<String, Object> request = request(1, List.of(0.3));
        request.put("provider", "openai");
        request.put("model", "gpt-4o-mini");
        UUID id = createJob(http, request);
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).singleElement().satisfies(call -> {
            assertThat(call.authorization()).isEqualTo("Bearer sk-from-spring-ai");
            assertThat(call.model()).isEqualTo("gpt-4o-mini");
            assertThat(call.json()).as("structured output is on for openai").isTrue();
        });
    }

    /** The number of calls once it has not changed for {@code quiet}; -1 until then. */
    final class CallCountSettled implements java.util.concurrent.Callable<Integer> {
        private final Duration quiet;
        private int last = -1;
        private long since;

        CallCountSettled(Duration quiet) {
            this.quiet = quiet;
        }

        @Override
        public Integer call() {
            int now = fake.calls.size();
            if (now != last) {
                last = now;
                since = System.nanoTime();
                return -1;
            }
            return System.nanoTime() - since >= quiet.toNanos() ? now : -1;
        }
    }

    /** The estimated cost of one task of the request with only this variant. */
    private BigDecimal taskCost(Map<String, Object> request, String variant) {
        JsonNode estimate = post(http, "/api/jobs/estimate", with(request, "variants", List.of(variant))).getBody().get("estimate");
        return estimate.get("costUsd").decimalValue().divide(BigDecimal.valueOf(estimate.get("requests").asLong()), java.math.MathContext.DECIMAL64);
    }

    private long chunkId(int fact) {
        return db.sql("SELECT id FROM chunk WHERE document_id = ? AND ordinal = ?").params(document, fact - 1).query(Long.class).single();
    }

    private int pairsOf(UUID job, int fact) {
        return db.sql("SELECT count(*) FROM qa_pair WHERE job_id = ? AND chunk_id = ? AND rejected_reason IS NULL")
                .params(job, chunkId(fact)).query(Integer.class).single();
    }

    private static Map<String, Object> with(Map<String, Object> request, String key, Object value) {
        Map<String, Object> copy = new HashMap<>(request);
        copy.put(key, value);
        return copy;
    }

    private static Map<String, Object> with(Map<String, Object> request) {
        return request;
    }
}
