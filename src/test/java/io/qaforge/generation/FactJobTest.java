package io.qaforge.generation;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import tools.jackson.databind.JsonNode;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import io.qaforge.generation.quality.NearDuplicates;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.system.ApiProblem;

import static io.qaforge.generation.GenerationFixtures.awaitEnd;
import static io.qaforge.generation.GenerationFixtures.createJob;
import static io.qaforge.generation.GenerationFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fact jobs end to end against the in-process fake: the facts step, pairs per fact and direction, the judge, coverage
 * top-ups, the split by fact, every reject reason of the grounding gate on what weak models write, remediation jobs.
 */
@GenerationTest
@TestPropertySource(properties = {
        "qaforge.generation.max-attempts=2",
        "qaforge.generation.providers.openai.base-url=",
        "qaforge.generation.providers.facts.api-key=test-key",
        "qaforge.generation.providers.facts.max-concurrency=4",
        "qaforge.generation.providers.facts.prices.fact-model.input-per-million=1.0",
        "qaforge.generation.providers.facts.prices.fact-model.output-per-million=2.0",
        "qaforge.generation.providers.factsjson.structured-output=true",
        "qaforge.generation.providers.factsany.base-url=http://127.0.0.1:9",
        "qaforge.generation.providers.factsjson.prices.judge-model.input-per-million=0.5",
        "qaforge.generation.providers.factsjson.prices.judge-model.output-per-million=0.5",
        "qaforge.generation.providers.facts.base-url=${fake-openai.base-url}",
        "qaforge.generation.providers.factsjson.base-url=${fake-openai.base-url}",
})
class FactJobTest {

    static final int CHUNKS = 6;

    @Autowired
    FakeOpenAi fake;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient db;
    @Autowired
    Jobs jobs;

    UUID document;

    @BeforeEach
    void setUp() {
        document = GenerationFixtures.upload(http, "facts.txt", GenerationFixtures.document("international touch rugby", CHUNKS));
    }

    Map<String, Object> request(int chunks, Object temperatures) {
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "International touch rugby rules");
        request.put("provider", "facts");
        request.put("model", "fact-model");
        request.put("temperatures", temperatures);
        request.put("questionsPerChunk", 4);
        request.put("chunkLimit", chunks);
        request.put("study", false); // these tests count pair calls; StudyJobTest covers study passages
        return request;
    }

    @Test
    void aFactJobListsFactsTeachesEachInBothDirectionsUntilCoveredAndHoldsOutAnExam() throws Exception {
        Map<String, Object> request = request(2, Map.of("count", 3));
        JsonNode estimate = post(http, "/api/jobs/estimate", request).getBody().get("estimate");
        assertThat(estimate.get("factCalls").asInt()).isEqualTo(2);
        assertThat(estimate.get("pairCalls").asInt()).as("chunks × temperatures").isEqualTo(6);
        assertThat(estimate.get("topUpCalls").asInt()).as("a sweep of three calls is expected to need top-ups").isPositive();
        assertThat(estimate.get("judgeCalls").asInt()).as("one per pair call").isEqualTo(6 + estimate.get("topUpCalls").asInt());
        assertThat(estimate.get("requests").asInt()).isEqualTo(2 + 6 + estimate.get("judgeCalls").asInt() + estimate.get("topUpCalls").asInt());

        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("strategy").asString()).isEqualTo("facts");
        assertThat(view.at("/coverage/facts").asInt()).as("two sentences per chunk").isEqualTo(4);
        assertThat(view.at("/coverage/covered").asInt()).isEqualTo(4);
        assertThat(view.at("/coverage/target/phrasings").asInt()).isEqualTo(6);
        assertThat(view.at("/coverage/target/reverse").asInt()).isEqualTo(2);
        assertThat(view.get("rejects").size()).as(view.get("rejects").toString()).isZero();
        assertThat(view.at("/judge/failed").asInt()).isZero();
        assertThat(view.at("/judge/passRate").asDouble()).isEqualTo(1.0);
        assertThat(view.at("/judge/selfJudged").asBoolean()).as("the default judge is the job's own model").isTrue();
        assertThat(view.at("/judge/warning").asString()).contains("grading its own answers is weak evidence");
        assertThat(view.at("/coverage/nothingToTeach").asInt()).isZero();
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(view.at("/judge/passed").asInt()).isEqualTo(24);

        Map<String, List<FakeOpenAi.Call>> byKind = new HashMap<>();
        fake.calls.forEach(call -> byKind.computeIfAbsent(call.kind(), k -> new ArrayList<>()).add(call));
        assertThat(byKind.keySet()).containsExactlyInAnyOrder("facts", "pairs", "judge");
        assertThat(byKind.get("facts")).hasSize(2).allSatisfy(call -> assertThat(call.temperature()).isZero());
        assertThat(byKind.get("pairs")).as("sweep of 3 and one top-up round per chunk").hasSize(8);
        assertThat(byKind.get("judge")).hasSize(8);
        List<FakeOpenAi.Call> topUps = byKind.get("pairs").stream().filter(call -> call.prompt().contains("Earlier pairs")).toList();
        assertThat(topUps).hasSize(2).allSatisfy(call -> {
            assertThat(call.prompt()).contains("- F1: 2 forward, 1 reverse", "- F2: 2 forward, 1 reverse");
            assertThat(call.temperature()).as("a fresh temperature").isNotIn(0.01, 0.605, 1.2);
        });
        // Prefix caching: a chunk's pair calls share everything up to what each asks for.
        List<FakeOpenAi.Call> firstChunk = byKind.get("pairs").stream().filter(call -> call.fact() == 1).toList();
        String shared = firstChunk.getFirst().prompt().substring(0, firstChunk.getFirst().prompt().indexOf("\n\nWrite "));
        assertThat(shared).startsWith("You write question/answer pairs").contains("International touch rugby rules", "<<<INPUT", "Facts:\nF1. ");
        assertThat(firstChunk).allSatisfy(call -> assertThat(call.prompt()).startsWith(shared + "\n\n"));

        JsonNode facts = http.getForObject("/api/jobs/" + id + "/facts?size=10", JsonNode.class);
        assertThat(facts.at("/page/totalElements").asInt()).isEqualTo(4);
        assertThat(facts.get("content")).allSatisfy(fact -> {
            assertThat(fact.get("text").asString()).contains("rule");
            assertThat(fact.get("forward").asInt()).isEqualTo(4);
            assertThat(fact.get("reverse").asInt()).isEqualTo(2);
            assertThat(fact.get("covered").asBoolean()).isTrue();
        });
        long factId = facts.at("/content/0/id").asLong();
        JsonNode factPairs = http.getForObject("/api/jobs/" + id + "/facts/" + factId + "/pairs", JsonNode.class);
        assertThat(factPairs.at("/page/totalElements").asInt()).isEqualTo(6);
        assertThat(factPairs.get("content")).allSatisfy(pair -> {
            assertThat(pair.get("factIds").get(0).asLong()).isEqualTo(factId);
            assertThat(pair.get("direction").asString()).isIn("forward", "reverse");
            assertThat(pair.get("judgeVerdict").asString()).isEqualTo("pass");
            assertThat(pair.at("/judgeScores/score").asInt()).isEqualTo(5);
        });
        // Split by fact: one held-out phrasing per direction of every fact, the others train.
        for (JsonNode fact : facts.get("content")) {
            JsonNode tested = http.getForObject("/api/jobs/" + id + "/pairs?split=test&factId=" + fact.get("id").asLong(), JsonNode.class);
            assertThat(tested.get("content").findValuesAsString("direction")).containsExactlyInAnyOrder("forward", "reverse");
        }
        assertThat(http.getForObject("/api/jobs/" + id + "/pairs?split=train", JsonNode.class).at("/page/totalElements").asInt()).isEqualTo(16);
        assertThat(jobs.testPairs(id)).hasSize(8).allSatisfy(pair -> {
            assertThat(pair.factIds()).hasSize(1);
            assertThat(pair.direction()).isIn("forward", "reverse");
        });

        String jsonl = http.getForObject("/api/jobs/" + id + "/export?format=jsonl&flat=true&split=test", String.class);
        JsonNode row = GenerationFixtures.JSON.readTree(jsonl.lines().findFirst().orElseThrow());
        assertThat(row.get("factIds").isArray()).isTrue();
        assertThat(row.get("direction").asString()).isIn("forward", "reverse");
        String csv = http.getForObject("/api/jobs/" + id + "/export?format=csv&flat=true", String.class);
        assertThat(csv.lines().findFirst().orElseThrow()).isEqualTo("question,answer,temperature,variant,chunk,pages,factIds,direction");
    }

    @Test
    void aFactJobEndsWithinATenthOfItsEstimateAndOfWhatItProjectedAfterItsFirstTenthOfCalls() throws Exception {
        Costs costs = runHoldingAfterTheFirstTenth(FakeOpenAi::answer);
        assertThat(costs.spent()).as("final against the estimate").isCloseTo(costs.estimated(), Percentage.withPercentage(10));
        assertThat(costs.spent()).as("final against the projection after the first tenth of calls")
                .isCloseTo(costs.projected(), Percentage.withPercentage(10));
    }

    /**
     * A model that writes twice the words the estimate expects of every answer (a wordy model, or a reasoning model's
     * hidden thinking) spends well past the estimate; the projection read after its first tenth of calls, all of them
     * facts calls, still lands within a tenth of the final cost, for pair and judge calls whose mix of prompt and
     * completion differs from the facts calls'.
     */
    @Test
    void aWordyModelsJobOverrunsItsEstimateButNotWhatItProjectedAfterItsFirstTenthOfCalls() throws Exception {
        Costs costs = runHoldingAfterTheFirstTenth(call -> {
            String answer = FakeOpenAi.answer(call);
            return answer + "\n" + " ".repeat(answer.length());
        });
        assertThat(costs.spent()).as("final against the estimate").isGreaterThan(costs.estimated() * 1.2);
        assertThat(costs.spent()).as("final against the projection after the first tenth of calls")
                .isCloseTo(costs.projected(), Percentage.withPercentage(10));
    }

    private record Costs(double estimated, double projected, double spent) {
    }

    /** A fact job whose calls {@code model} answers, every call after the first tenth held until its projection is read. */
    private Costs runHoldingAfterTheFirstTenth(Function<FakeOpenAi.Call, String> model) throws Exception {
        Map<String, Object> request = request(CHUNKS, Map.of("count", 3));
        request.put("questionsPerChunk", 2); // a chunk's two sentences: the careful model lists every fact asked for
        JsonNode estimate = post(http, "/api/jobs/estimate", request).getBody().get("estimate");
        double estimated = estimate.get("costUsd").asDouble();
        int tenth = (int) Math.ceil(estimate.get("requests").asInt() / 10.0);
        var answered = new java.util.concurrent.atomic.AtomicInteger();
        var release = new java.util.concurrent.CountDownLatch(1);
        fake.script = call -> {
            if (answered.incrementAndGet() > tenth) {
                try {
                    release.await(30, java.util.concurrent.TimeUnit.SECONDS); // held until the projection is read
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return FakeOpenAi.ok(model.apply(call), "stop", call);
        };

        UUID id = createJob(http, request);
        JsonNode early = org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> GenerationFixtures.job(http, id), view -> view.at("/tasks/done").asInt() == tenth);
        double projected = early.get("projectedCostUsd").asDouble();
        release.countDown();
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        double spent = view.get("costUsd").asDouble();
        System.out.printf("fact job: estimate $%.6f, projected after %d of %d calls $%.6f (spent then $%.6f), final $%.6f%n",
                estimated, tenth, estimate.get("requests").asInt(), projected, early.get("costUsd").asDouble(), spent);
        assertThat(view.get("projectedCostUsd").asDouble()).as("an ended job's projection is what it spent").isEqualTo(spent);
        return new Costs(estimated, projected, spent);
    }

    /**
     * What weak models write, one pair per reject reason, and two good pairs among them; the judge fails three ways. The
     * scrum and free pass, which the chunk never mentions, are what the grounding floor catches before any judge.
     */
    @Test
    void everyRejectReasonOfTheGateAndTheJudge() throws Exception {
        fake.script = call -> switch (call.kind()) {
            case "pairs" -> FakeOpenAi.ok("""
                    Here are the pairs:
                    1. [F1 forward] Q: In international touch rugby, within how many seconds must a team restart play after a touch?\u0000
                    A: Within 4 seconds after a touch. Answers:
                    2. [F1 forward] In touch rugby, what does rule 4 award when the ball is passed forward?
                    Rule 4 awards a penalty to the other team when the ball is passed forward.
                    <name>MIME_INFO</name>
                    <value>
                    [F1 forward] How far back must players stand after a touch in international touch rugby?
                    They stand 10 metres back.
                    [F2 forward] What does a referee in international touch rugby award for a broken rule?
                    A "free kick" to the other team.
                    [F2 forward] What is this spec about?
                    It is about penalties.
                    What do officials notice?
                    Referees see breaches.
                    [F1 forward] In international touch rugby, within how many seconds must a team restart play after a touch?
                    Within 4 seconds after a touch.
                    [F1 forward] In international touch rugby, within how many seconds must a team restart play after a touch, exactly?
                    Within 4 seconds.
                    [F2 reverse] In international touch rugby, what does a referee award to the other team when rule 1 is broken?
                    A scrum and a free pass to the defending side.
                    [F2 reverse] In international touch rugby, which team does a referee penalise for a broken rule 1?
                    The team that broke rule 1.
                    [F2 forward] In international touch rugby, what penalty follows repeated breaches of rule 1?
                    A sin bin of 3 minutes.
                    [F1 reverse] In international touch rugby, which team must restart play within 4 seconds after a touch?
                    A team of six players.
                    [F2 forward] In international touch rugby, who gets the penalty when a referee sees rule 1 broken?
                    The other team.
                    [F2 reverse] In international touch rugby, what leads to a sin bin of 3 minutes?
                    Repeated breaches of rule 1.
                    """, "stop", call);
            case "judge" -> {
                StringBuilder verdicts = new StringBuilder();
                List<String[]> graded = call.graded();
                for (int i = 0; i < graded.size(); i++) {
                    String question = graded.get(i)[0];
                    if (question.contains("who gets the penalty")) {
                        continue; // left out: no verdict
                    }
                    String verdict = question.contains("what penalty follows") ? "yes | no | yes | 4"
                            : question.contains("which team does a referee penalise") ? "no | yes | yes | 1"
                            : question.contains("which team must restart") ? "yes | yes | no | 4"
                            : FakeOpenAi.supported(graded.get(i)[1], call.chunk().toLowerCase()) ? "yes | yes | yes | 5" : "no | yes | yes | 1";
                    verdicts.append(i + 1).append(" | ").append(verdict).append('\n');
                }
                yield FakeOpenAi.ok(verdicts.toString(), "stop", call);
            }
            default -> null;
        };
        Map<String, Object> request = request(1, List.of(0.7));
        request.put("coverage", Map.of("phrasings", 1, "reverse", 0));
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        Map<String, Integer> rejects = new HashMap<>();
        view.get("rejects").properties().forEach(e -> rejects.put(e.getKey(), e.getValue().asInt()));
        assertThat(rejects).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("prompt_echo", 1), Map.entry("markup", 1), Map.entry("unsupported_number", 1),
                Map.entry("unsupported_name", 1), Map.entry("unsupported_content", 1), Map.entry("not_self_contained", 1),
                Map.entry("no_fact", 1),
                Map.entry("duplicate", 1), Map.entry("near_duplicate", 1), Map.entry("judge_unsupported", 1),
                Map.entry("judge_not_self_contained", 1), Map.entry("judge_off_topic", 1), Map.entry("judge_no_verdict", 1)));
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(2);
        assertThat(view.at("/judge/passed").asInt()).isEqualTo(2);
        assertThat(view.at("/judge/failed").asInt()).isEqualTo(3);

        JsonNode accepted = http.getForObject("/api/jobs/" + id + "/pairs?rejected=false", JsonNode.class).get("content");
        assertThat(accepted.findValuesAsString("question")).containsExactlyInAnyOrder(
                "In international touch rugby, within how many seconds must a team restart play after a touch?",
                "In international touch rugby, what leads to a sin bin of 3 minutes?");
        assertThat(accepted.findValuesAsString("answer")).as("numbering, labels, the trailing 'Answers:' and the NUL are gone")
                .containsExactlyInAnyOrder("Within 4 seconds after a touch.", "Repeated breaches of rule 1.");
        JsonNode failed = http.getForObject("/api/jobs/" + id + "/pairs?rejected=true&size=50", JsonNode.class).get("content");
        assertThat(failed).filteredOn(pair -> pair.get("rejectedReason").asString().equals("judge_unsupported")).singleElement()
                .satisfies(pair -> {
                    assertThat(pair.get("judgeVerdict").asString()).isEqualTo("fail");
                    assertThat(pair.at("/judgeScores/supported").asBoolean()).isFalse();
                });
    }

    @Test
    void aWeakModelsLeftoversAreCleanedAndItsJunkRejectedInBothStrategies() throws Exception {
        fake.weak = true;
        UUID facts = createJob(http, withJudge(request(1, Map.of("count", 9)), false));
        JsonNode view = awaitEnd(http, facts, Duration.ofSeconds(60));
        assertThat(view.get("pairsAccepted").asInt()).as("two facts, nine phrasings each").isEqualTo(18);
        assertThat(view.get("rejects").toString()).isEqualTo("{\"markup\":9,\"prompt_echo\":9,\"unsupported_number\":9}");

        Map<String, Object> recipe = request(1, List.of(0.5));
        recipe.put("strategy", "recipe");
        recipe.put("questionsPerChunk", 3);
        view = awaitEnd(http, createJob(http, recipe), Duration.ofSeconds(60));
        assertThat(view.get("pairsAccepted").asInt()).isEqualTo(3);
        assertThat(view.get("rejects").toString()).isEqualTo("{\"markup\":1,\"prompt_echo\":1,\"unsupported_number\":1}");
        for (UUID job : List.of(facts, UUID.fromString(view.get("id").asString()))) {
            JsonNode pairs = http.getForObject("/api/jobs/" + job + "/pairs?rejected=false&size=100", JsonNode.class).get("content");
            assertThat(pairs.findValuesAsString("question")).allSatisfy(q -> assertThat(q).doesNotStartWith("Q:").doesNotMatch("^\\d.*"));
            assertThat(pairs.findValuesAsString("answer")).allSatisfy(a -> assertThat(a).doesNotStartWith("A:").doesNotEndWith("Answers:"));
        }
    }

    /**
     * A chunk the model says has nothing to teach (NONE, or no facts in JSON) is settled after one call, without facts
     * or pairs, and counted; an answer with no usable fact and no such marker is unreadable, and tried again.
     */
    @Test
    void aChunkWithNothingToTeachIsSettledAtOnceAndAnUnreadableAnswerIsRetried() throws Exception {
        fake.script = call -> call.kind().equals("facts") && call.fact() == 1 ? FakeOpenAi.ok("NONE", "stop", call) : null;
        UUID id = createJob(http, withJudge(request(2, List.of(0.5)), false));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/coverage/nothingToTeach").asInt()).isEqualTo(1);
        assertThat(view.at("/coverage/facts").asInt()).as("the other chunk's two").isEqualTo(2);
        assertThat(fake.calls).filteredOn(call -> call.kind().equals("facts")).as("one call each, none repeated").hasSize(2);
        assertThat(fake.calls).filteredOn(call -> call.kind().equals("pairs")).allSatisfy(call -> assertThat(call.fact()).isEqualTo(2));

        fake.reset();
        fake.script = call -> call.kind().equals("facts") ? FakeOpenAi.ok("{\"facts\":[]}", "stop", call) : null;
        Map<String, Object> json = withJudge(request(1, List.of(0.5)), false);
        json.put("provider", "factsjson");
        json.put("model", "judge-model");
        view = awaitEnd(http, createJob(http, json), Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/coverage/nothingToTeach").asInt()).as("no facts, in JSON").isEqualTo(1);
        assertThat(fake.calls).hasSize(1);

        fake.reset();
        fake.script = call -> call.kind().equals("facts") ? FakeOpenAi.ok("Here are the facts:\n1. Sorry, I cannot help with that request.", "stop", call) : null;
        view = awaitEnd(http, createJob(http, withJudge(request(1, List.of(0.5)), false)), Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("FAILED");
        assertThat(view.at("/coverage/nothingToTeach").asInt()).isZero();
        assertThat(view.at("/failures/0/reason").asString()).contains("no usable facts");
        assertThat(fake.calls).as("max-attempts").hasSize(2);
    }

    @Test
    void topUpRoundsAskForWhatEachFactLacksAtFreshTemperaturesAndStopAfterThree() throws Exception {
        // One temperature: the sweep asks forward only; the rounds must ask for the rest.
        UUID covered = createJob(http, withJudge(request(1, List.of(0.5)), false));
        JsonNode view = awaitEnd(http, covered, Duration.ofSeconds(60));
        assertThat(view.at("/coverage/covered").asInt()).isEqualTo(2);
        List<FakeOpenAi.Call> pairCalls = fake.calls.stream().filter(call -> call.kind().equals("pairs")).toList();
        assertThat(pairCalls).hasSize(2);
        assertThat(pairCalls.get(1).prompt()).contains("Write 10 new question/answer pairs", "- F1: 3 forward, 2 reverse",
                "- F2: 3 forward, 2 reverse");
        assertThat(pairCalls.get(1).temperature()).isNotEqualTo(0.5);

        // A model that never writes a usable pair: three rounds, then the job ends with its facts short.
        fake.reset();
        fake.script = call -> call.kind().equals("pairs")
                ? FakeOpenAi.ok("[F1 forward] In international touch rugby, how many players may a team field?\nNinety-nine players.\n", "stop", call)
                : null;
        UUID stuck = createJob(http, withJudge(request(1, List.of(0.5)), false));
        view = awaitEnd(http, stuck, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/coverage/covered").asInt()).isZero();
        assertThat(view.at("/rejects/unsupported_number").asInt()).as(view.toString()).isEqualTo(4);
        List<Double> temperatures = fake.calls.stream().filter(call -> call.kind().equals("pairs")).map(FakeOpenAi.Call::temperature).toList();
        assertThat(temperatures).as("the sweep and three rounds, each at its own temperature").hasSize(4).doesNotHaveDuplicates();
        assertThat(db.sql("SELECT max(round) FROM task WHERE job_id = ?").param(stuck).query(Integer.class).single()).isEqualTo(3);
    }

    @Test
    void noTrainQuestionIsANearCopyOfATestQuestion() throws Exception {
        String restart = "In international touch rugby, within how many seconds must a team restart play after a touch";
        fake.script = call -> !call.kind().equals("pairs") ? null : FakeOpenAi.ok(call.temperature() < 0.5 ? """
                [F1 forward] %s?
                Within 4 seconds.
                [F2 forward] In international touch rugby, what does a referee award when rule 1 is broken?
                A penalty to the other team.
                """.formatted(restart) : """
                [F1 reverse] In international touch rugby, which rule makes a team restart play within 4 seconds?
                Rule 1 does.
                [F2 reverse] %s, then?
                The referee then awards a penalty to the other team.
                """.formatted(restart), "stop", call);
        Map<String, Object> request = withJudge(request(1, List.of(0.3, 0.9)), false);
        request.put("coverage", Map.of("phrasings", 2, "reverse", 1));
        request.put("testFraction", 0.5);
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("leaksRemoved").asInt()).as(view + " " + http.getForObject("/api/jobs/" + id + "/pairs", String.class)).isEqualTo(1);
        assertThat(view.at("/rejects/test_leak").asInt()).isEqualTo(1);
        List<String> test = http.getForObject("/api/jobs/" + id + "/pairs?split=test&rejected=false", JsonNode.class)
                .get("content").findValuesAsString("question");
        List<String> train = http.getForObject("/api/jobs/" + id + "/pairs?split=train&rejected=false", JsonNode.class)
                .get("content").findValuesAsString("question");
        assertThat(test).as("each fact's forward phrasing").containsExactlyInAnyOrder(restart + "?",
                "In international touch rugby, what does a referee award when rule 1 is broken?");
        assertThat(train).containsExactly("In international touch rugby, which rule makes a team restart play within 4 seconds?");
        for (String question : train) {
            assertThat(test).noneMatch(t -> NearDuplicates.near(NearDuplicates.shingles(t), NearDuplicates.shingles(question)));
        }
    }

    @Test
    void theJudgeMayBeAnotherProvidersModelAndIsPricedAsIts() throws Exception {
        Map<String, Object> request = request(1, List.of(0.3, 0.9));
        request.put("judge", Map.of("provider", "factsjson", "model", "judge-model"));
        request.put("coverage", Map.of("phrasings", 2, "reverse", 1));
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/judge/provider").asString()).isEqualTo("factsjson");
        assertThat(view.at("/judge/model").asString()).isEqualTo("judge-model");
        assertThat(view.at("/judge/selfJudged").asBoolean()).isFalse();
        assertThat(view.at("/judge/warning").isNull()).isTrue();
        assertThat(fake.calls).filteredOn(call -> call.kind().equals("judge")).hasSize(2).allSatisfy(call -> {
            assertThat(call.model()).isEqualTo("judge-model");
            assertThat(call.json()).as("the judge's provider takes a schema").isTrue();
        });
        assertThat(fake.calls).filteredOn(call -> !call.kind().equals("judge"))
                .allSatisfy(call -> assertThat(call.model()).isEqualTo("fact-model"));
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND kind = 'judge' AND provider = 'factsjson' AND cost_usd > 0")
                .param(id).query(Integer.class).single()).isEqualTo(2);
        BigDecimal taskCosts = db.sql("SELECT sum(cost_usd) FROM task WHERE job_id = ?").param(id).query(BigDecimal.class).single();
        assertThat(view.get("costUsd").decimalValue()).isEqualByComparingTo(taskCosts);
    }

    @Test
    void everyStepAsksForItsOwnJsonSchemaWhereTheProviderTakesOne() throws Exception {
        Map<String, Object> request = request(1, Map.of("count", 9));
        request.put("provider", "factsjson");
        request.put("model", "judge-model");
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/coverage/covered").asInt()).isEqualTo(2);
        assertThat(fake.calls).extracting(FakeOpenAi.Call::kind).containsOnly("facts", "pairs", "judge");
        assertThat(fake.calls).allSatisfy(call -> assertThat(call.json()).isTrue());
        assertThat(http.getForObject("/api/jobs/" + id + "/pairs?size=100", JsonNode.class).get("content")).hasSize(18)
                .allSatisfy(pair -> {
                    assertThat(pair.get("factIds")).hasSize(1);
                    assertThat(pair.get("judgeVerdict").asString()).isEqualTo("pass");
                });
    }

    @Test
    void withoutAJudgePairsAreAcceptedAtOnce() throws Exception {
        UUID id = createJob(http, withJudge(request(1, Map.of("count", 9)), false));
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("judge").isNull()).isTrue();
        assertThat(view.at("/coverage/covered").asInt()).as("nine temperatures, three of them reverse: no top-up").isEqualTo(2);
        assertThat(fake.calls).extracting(FakeOpenAi.Call::kind).containsOnly("facts", "pairs").hasSize(10);
        assertThat(http.getForObject("/api/jobs/" + id + "/pairs", JsonNode.class).get("content"))
                .allSatisfy(pair -> assertThat(pair.get("judgeVerdict").isNull()).isTrue());
    }

    @Test
    void recipeJobsKeepTheReferenceRecipe() throws Exception {
        Map<String, Object> request = request(2, Map.of("count", 2));
        request.put("strategy", "recipe");
        request.put("questionsPerChunk", 3);
        JsonNode estimate = post(http, "/api/jobs/estimate", request).getBody().get("estimate");
        assertThat(estimate.get("requests").asInt()).isEqualTo(4);
        assertThat(estimate.get("factCalls").asInt() + estimate.get("judgeCalls").asInt() + estimate.get("topUpCalls").asInt()).isZero();
        UUID id = createJob(http, request);
        JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
        assertThat(view.get("strategy").asString()).isEqualTo("recipe");
        assertThat(view.get("coverage").isNull()).isTrue();
        assertThat(view.get("judge").isNull()).isTrue();
        assertThat(view.at("/params/splitBy").asString()).isEqualTo("PAIR");
        assertThat(fake.calls).hasSize(4).allSatisfy(call -> {
            assertThat(call.kind()).isEqualTo("recipe");
            assertThat(call.prompt()).isEqualTo(Prompts.render(Prompts.template("standard", Map.of()), "International touch rugby rules",
                    call.chunk(), 3, false));
        });
        assertThat(http.getForObject("/api/jobs/" + id + "/pairs", JsonNode.class).get("content")).hasSize(12).allSatisfy(pair -> {
            assertThat(pair.get("factIds").isNull()).isTrue();
            assertThat(pair.get("direction").isNull()).isTrue();
        });
        assertThat(http.getForObject("/api/jobs/" + id + "/export?format=csv&flat=true", String.class).lines().findFirst().orElseThrow())
                .isEqualTo("question,answer,temperature,variant,chunk,pages");
        assertThat(http.getForEntity("/api/jobs/" + id + "/facts", JsonNode.class).getStatusCode().value()).isEqualTo(409);

        // The judge grades a recipe job's pairs too when asked to.
        fake.reset();
        request.put("judge", true);
        UUID judged = createJob(http, request);
        view = awaitEnd(http, judged, Duration.ofSeconds(60));
        assertThat(view.at("/judge/passed").asInt()).isEqualTo(view.get("pairsAccepted").asInt()).isEqualTo(12);
        assertThat(fake.calls).extracting(FakeOpenAi.Call::kind).containsOnly("recipe", "judge").hasSize(8);
    }

    @Test
    void invalidFactJobRequestsAreProblemsAndCreateNothing() {
        long before = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("invalid-strategy", with(request(1, null), "strategy", "poems"));
        cases.put("recipe-only", with(request(1, null), "variants", List.of("simple")));
        cases.put("recipe-only ", with(request(1, null), "prompts", Map.of("mine", "{chunk}")));
        cases.put("invalid-coverage", with(with(request(1, null), "strategy", "recipe"), "coverage", Map.of("phrasings", 4)));
        cases.put("invalid-coverage ", with(request(1, null), "coverage", Map.of("phrasings", 2, "reverse", 3)));
        cases.put("invalid-split", with(with(request(1, null), "strategy", "recipe"), "splitBy", "fact"));
        cases.put("invalid-judge", with(request(1, null), "judge", "yes"));
        cases.put("unknown-provider", with(request(1, null), "judge", Map.of("provider", "nope", "model", "m")));
        cases.put("no-price", with(with(request(1, null), "judge", Map.of("provider", "factsany", "model", "unpriced")), "maxCostUsd", 1));
        cases.forEach((problem, body) -> {
            ResponseEntity<JsonNode> response = post(http, "/api/jobs", body);
            assertThat(response.getStatusCode().is4xxClientError()).as(problem + ": " + response.getBody()).isTrue();
            assertThat(response.getBody().get("type").asString()).as(problem).isEqualTo("/problems/" + problem.strip());
        });
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(before);
    }

    @Test
    void remediationTopsUpExactlyTheNamedFactsAtFreshTemperaturesWithoutLeakingTheExam() throws Exception {
        Map<String, Object> request = withJudge(request(2, Map.of("count", 3)), false);
        UUID parent = createJob(http, request);
        assertThat(awaitEnd(http, parent, Duration.ofSeconds(60)).get("status").asString()).isEqualTo("SUCCEEDED");
        JsonNode fact = http.getForObject("/api/jobs/" + parent + "/facts?size=1&page=1", JsonNode.class).at("/content/0");
        long factId = fact.get("id").asLong();
        List<Double> parentTemperatures = fake.calls.stream().filter(call -> call.kind().equals("pairs")).map(FakeOpenAi.Call::temperature).toList();

        long jobsBefore = db.sql("SELECT count(*) FROM job").query(Long.class).single();
        Estimate estimate = jobs.estimateRemediation(parent, List.of(factId), List.of());
        assertThat(estimate.pairCalls()).as("the parent's three temperatures, fresh").isEqualTo(3);
        assertThat(estimate.factCalls()).isZero();
        assertThat(estimate.costUsd()).isPositive();
        assertThat(db.sql("SELECT count(*) FROM job").query(Long.class).single()).isEqualTo(jobsBefore);

        fake.reset();
        UUID child = jobs.remediate(parent, List.of(factId), List.of(), new BigDecimal("5"));
        JsonNode view = awaitEnd(http, child, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.get("parentJobId").asString()).isEqualTo(parent.toString());
        assertThat(view.get("maxCostUsd").decimalValue()).isEqualByComparingTo("5");
        assertThat(view.at("/coverage/facts").asInt()).isEqualTo(1);
        assertThat(fake.calls).extracting(FakeOpenAi.Call::kind).containsOnly("pairs");
        assertThat(fake.calls).allSatisfy(call -> {
            assertThat(call.facts()).containsExactly(Map.entry(1, fact.get("text").asString()));
            assertThat(call.temperature()).isNotIn(parentTemperatures.toArray());
        });
        assertThat(fake.calls.stream().map(FakeOpenAi.Call::prompt)).anyMatch(p -> p.contains("one forward pair"))
                .anyMatch(p -> p.contains("one reverse pair"));
        JsonNode pairs = http.getForObject("/api/jobs/" + child + "/pairs?size=100&rejected=false", JsonNode.class).get("content");
        assertThat(pairs).isNotEmpty().allSatisfy(pair -> {
            assertThat(pair.get("split").asString()).as("the parent's test split stays the exam").isEqualTo("train");
            assertThat(pair.get("factIds").get(0).asLong()).isEqualTo(factId);
        });
        List<Set<Long>> exam = jobs.testPairs(parent).stream().map(p -> NearDuplicates.shingles(p.question())).toList();
        assertThat(pairs).allSatisfy(pair -> assertThat(exam).noneMatch(t -> NearDuplicates.near(t, NearDuplicates.shingles(pair.get("question").asString()))));

        assertThatThrownBy(() -> jobs.remediate(parent, List.of(-1L), List.of(), null)).isInstanceOf(ApiProblem.class)
                .hasMessageContaining("no fact -1");
        assertThatThrownBy(() -> jobs.remediate(parent, List.of(), List.of(), null)).isInstanceOf(ApiProblem.class)
                .hasMessageContaining("Name the facts or chunks");
        assertThatThrownBy(() -> jobs.remediate(UUID.randomUUID(), List.of(factId), List.of(), null)).isInstanceOf(ApiProblem.class);
    }

    @Test
    void remediationOfARecipeJobRunsItsVariantsOnTheNamedChunks() throws Exception {
        Map<String, Object> request = request(2, List.of(0.2, 0.8));
        request.put("strategy", "recipe");
        request.put("variants", List.of("standard", "simple"));
        request.put("questionsPerChunk", 2);
        UUID parent = createJob(http, request);
        awaitEnd(http, parent, Duration.ofSeconds(60));
        long chunk = db.sql("SELECT min(chunk_id) FROM task WHERE job_id = ?").param(parent).query(Long.class).single();
        fake.reset();
        UUID child = jobs.remediate(parent, List.of(), List.of(chunk), null);
        JsonNode view = awaitEnd(http, child, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).hasSize(4).allSatisfy(call -> {
            assertThat(call.fact()).isEqualTo(1);
            assertThat(call.temperature()).isNotIn(0.2, 0.8);
        });
        assertThat(fake.calls).extracting(FakeOpenAi.Call::variantHint).containsOnly("standard", "simple");
        assertThatThrownBy(() -> jobs.remediate(parent, List.of(1L), List.of(), null)).isInstanceOf(ApiProblem.class)
                .hasMessageContaining("recipe");
        long other = db.sql("SELECT max(id) FROM chunk WHERE document_id = ?").param(document).query(Long.class).single();
        assertThatThrownBy(() -> jobs.remediate(parent, List.of(), List.of(other), null)).isInstanceOf(ApiProblem.class)
                .hasMessageContaining("no chunk " + other);
    }

    private static Map<String, Object> withJudge(Map<String, Object> request, Object judge) {
        request.put("judge", judge);
        return request;
    }

    private static Map<String, Object> with(Map<String, Object> request, String key, Object value) {
        Map<String, Object> copy = new HashMap<>(request);
        copy.put(key, value);
        return copy;
    }
}
