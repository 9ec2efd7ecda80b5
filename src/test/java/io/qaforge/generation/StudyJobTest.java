package io.qaforge.generation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.qaforge.generation.GenerationFixtures.awaitEnd;
import static io.qaforge.generation.GenerationFixtures.createJob;
import static io.qaforge.generation.GenerationFixtures.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Study passages end to end against the stand-in: every strategy written, gated and judged for faithfulness, their
 * count and cost in the job view and estimate, rejects with their reasons, German and French documents asked and
 * answered in their own language, the diversity figure of a finished job.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.chunk-target-tokens=100",
        "qaforge.documents.chunk-max-tokens=150",
        "qaforge.generation.poll-interval=50ms",
        "qaforge.generation.backoff=50ms",
        "qaforge.generation.max-backoff=200ms",
        "qaforge.generation.max-attempts=2",
        "qaforge.generation.providers.openai.base-url=",
        "qaforge.generation.providers.study.api-key=test-key",
        "qaforge.generation.providers.study.max-concurrency=4",
        "qaforge.generation.providers.study.prices.study-model.input-per-million=1.0",
        "qaforge.generation.providers.study.prices.study-model.output-per-million=2.0",
        "qaforge.generation.providers.studyjson.api-key=test-key",
        "qaforge.generation.providers.studyjson.structured-output=true",
        "qaforge.generation.providers.studyjson.prices.study-model.input-per-million=1.0",
        "qaforge.generation.providers.studyjson.prices.study-model.output-per-million=2.0",
})
class StudyJobTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final List<String> STRATEGIES = List.of("concepts", "implications", "teacher", "case", "discussion", "outline", "relations");
    static final String GERMAN = """
            Im internationalen Touch Rugby besteht eine Mannschaft aus höchstens sechs Spielern auf dem Feld. Nach jeder \
            Berührung muss die Mannschaft das Spiel innerhalb von sieben Sekunden neu beginnen. Die Spieler der anderen \
            Mannschaft stehen dabei fünf Meter hinter der Marke. Ein Schiedsrichter, der einen Verstoß gegen diese Regel \
            sieht, gibt der anderen Mannschaft einen Strafstoß. Wiederholte Verstöße führen zu einer Zeitstrafe von zwei \
            Minuten für den Spieler, der gegen die Regel verstößt.
            """;
    static final String FRENCH = """
            Au touch rugby international, une équipe compte au plus six joueurs sur le terrain. Après chaque toucher, \
            l'équipe doit reprendre le jeu dans les sept secondes. Les joueurs de l'autre équipe se placent alors à cinq \
            mètres derrière la marque. Un arbitre qui voit une infraction à cette règle accorde une pénalité à l'autre \
            équipe. Des infractions répétées entraînent une exclusion temporaire de deux minutes pour le joueur fautif.
            """;

    @DynamicPropertySource
    static void providers(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.study.base-url", fake::baseUrl);
        registry.add("qaforge.generation.providers.studyjson.base-url", fake::baseUrl);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcClient db;
    @Autowired
    Jobs jobs;

    @BeforeEach
    void setUp() {
        fake.reset();
    }

    Map<String, Object> request(UUID document, String provider) {
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "International touch rugby rules");
        request.put("provider", provider);
        request.put("model", "study-model");
        request.put("temperatures", Map.of("count", 2));
        request.put("questionsPerChunk", 3);
        request.put("chunkLimit", 1);
        return request;
    }

    @Test
    void theDefaultJobWritesEveryStrategyGroundedAndJudgedAndShowsItsCountCostAndDiversity() {
        for (String provider : List.of("study", "studyjson")) {
            fake.reset();
            UUID document = GenerationFixtures.upload(http, "rugby.txt", GenerationFixtures.document("international touch rugby", 2));
            Map<String, Object> request = request(document, provider);
            JsonNode estimate = post(http, "/api/jobs/estimate", request).getBody().get("estimate");
            assertThat(estimate.get("studyCalls").asInt()).as("a passage and its judge per strategy").isEqualTo(14);
            assertThat(estimate.get("requests").asInt()).isEqualTo(estimate.get("factCalls").asInt() + estimate.get("pairCalls").asInt()
                    + estimate.get("judgeCalls").asInt() + estimate.get("topUpCalls").asInt() + 14);

            UUID id = createJob(http, request);
            JsonNode view = awaitEnd(http, id, Duration.ofSeconds(60));
            assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(view.at("/study/accepted").asInt()).as(view.get("study").toString()).isEqualTo(7);
            assertThat(view.at("/study/rejects").size()).isZero();
            assertThat(view.at("/study/faithfulness").asDouble()).isEqualTo(1.0);
            assertThat(view.at("/study/calls").asInt()).isEqualTo(14);
            assertThat(view.at("/study/costUsd").decimalValue()).isPositive().isLessThan(view.get("costUsd").decimalValue());

            List<FakeOpenAi.Call> study = fake.calls.stream().filter(call -> call.kind().equals("study")).toList();
            assertThat(study).extracting(FakeOpenAi.Call::strategy).containsExactlyInAnyOrderElementsOf(STRATEGIES);
            assertThat(study).extracting(FakeOpenAi.Call::temperature).as("each passage at its own temperature").doesNotHaveDuplicates();
            FakeOpenAi.Call relations = study.stream().filter(call -> call.strategy().equals("relations")).findFirst().orElseThrow();
            assertThat(relations.prompt()).as("the chunk's extracted facts").contains("Facts:\nF1. ");
            assertThat(fake.calls.stream().filter(call -> call.kind().equals("study-judge"))).hasSize(7)
                    .allSatisfy(call -> assertThat(call.json()).isEqualTo(provider.equals("studyjson")));
            assertThat(db.sql("SELECT strategy FROM accepted_passage WHERE job_id = ?").param(id).query(String.class).list())
                    .containsExactlyInAnyOrderElementsOf(STRATEGIES);

            assertThat(view.at("/diversity/pairs/texts").asInt()).isEqualTo(view.get("pairsAccepted").asInt());
            assertThat(view.at("/diversity/passages/texts").asInt()).isEqualTo(7);
            assertThat(view.at("/diversity/passages/compression").asDouble()).isGreaterThan(1);
            assertThat(view.at("/diversity/pairs/distinct2").asDouble()).isBetween(0.0, 1.0);

            // Text rows in every export format.
            List<String> jsonl = http.getForObject("/api/jobs/" + id + "/documents?format=jsonl", String.class).lines().toList();
            assertThat(jsonl).hasSize(7).allSatisfy(row -> {
                assertThat(row).as("one object a line, nothing around it").startsWith("{").endsWith("}");
                JsonNode text = GenerationFixtures.JSON.readTree(row);
                assertThat(text.propertyNames()).containsExactly("text", "strategy", "chunkId");
                assertThat(STRATEGIES).contains(text.get("strategy").asString());
            });
            String csv = http.getForObject("/api/jobs/" + id + "/documents?format=csv", String.class);
            assertThat(csv).startsWith("text,strategy,chunkId\r\n").contains(",outline,", ",relations,");
            byte[] parquet = http.getForObject("/api/jobs/" + id + "/documents?format=parquet", byte[].class);
            assertThat(new String(parquet, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("PAR1");
            var download = http.getForEntity("/api/jobs/" + id + "/documents?format=csv", String.class);
            assertThat(download.getHeaders().getFirst("Content-Disposition"))
                    .isEqualTo("attachment; filename=\"qaforge-documents-" + id.toString().substring(0, 8) + ".csv\"");
            assertThat(download.getHeaders().getContentType().toString()).startsWith("text/csv");
        }
    }

    @Test
    void passagesTheGateOrTheJudgeRejectKeepTheirReasons() {
        UUID document = GenerationFixtures.upload(http, "rugby.txt", GenerationFixtures.document("international touch rugby", 1));
        fake.script = call -> switch (call.kind()) {
            case "study" -> switch (call.strategy()) {
                case "outline" -> FakeOpenAi.ok("## Outline\n" + FakeOpenAi.passage(call), "stop", call);
                case "case" -> FakeOpenAi.ok(FakeOpenAi.passage(call) + " The referee blew the whistle 41 times.", "stop", call);
                case "teacher" -> FakeOpenAi.ok("Rule 1 matters.", "stop", call);
                default -> null;
            };
            // The judge finds half of the discussion's claims unsupported.
            case "study-judge" -> call.passage().startsWith("Alex:") ? FakeOpenAi.ok("claims: 10\nsupported: 5", "stop", call) : null;
            default -> null;
        };
        Map<String, Object> request = request(document, "study");
        request.put("study", Map.of("strategies", List.of("outline", "case", "teacher", "discussion", "concepts")));
        JsonNode view = awaitEnd(http, createJob(http, request), Duration.ofSeconds(60));
        assertThat(view.at("/study/rejects").toString()).isEqualTo(GenerationFixtures.JSON.createObjectNode()
                .put("judge_unfaithful", 1).put("markup", 1).put("too_short", 1).put("unsupported_number", 1).toString());
        assertThat(view.at("/study/accepted").asInt()).isEqualTo(1);
        assertThat(view.at("/study/faithfulness").asDouble()).as("mean of 0.5 and 1").isEqualTo(0.75);
    }

    @Test
    void germanAndFrenchDocumentsAreAskedAndAnsweredInTheirOwnLanguage() {
        for (var document : Map.of("de", GERMAN, "fr", FRENCH).entrySet()) {
            fake.reset();
            UUID id = GenerationFixtures.upload(http, "regeln-" + document.getKey() + ".txt", document.getValue());
            JsonNode view = awaitEnd(http, createJob(http, request(id, "study")), Duration.ofSeconds(60));
            assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(view.get("pairsAccepted").asInt()).as(view.get("rejects").toString()).isPositive();
            assertThat(view.get("rejects").has("wrong_language")).isFalse();
            assertThat(view.at("/study/accepted").asInt()).as(view.get("study").toString()).isEqualTo(7);
            String instruction = document.getKey().equals("de") ? "Schreibe alles auf Deutsch." : "Écris tout en français.";
            assertThat(fake.calls).allSatisfy(call -> assertThat(call.prompt()).endsWith(instruction));
        }
        // A model that answers in English whatever it is asked: every pair and passage is in the wrong language.
        UUID german = GenerationFixtures.upload(http, "regeln.txt", GERMAN);
        fake.reset();
        String english = "In international touch rugby a team has at most six players on the field, restarts play within seven "
                + "seconds after each touch, and a referee who sees the rule broken awards a penalty to the other team.";
        fake.script = call -> switch (call.kind()) {
            case "pairs" -> FakeOpenAi.ok("[F1 forward] How many players may a team of international touch rugby have on the field?\n"
                    + english + "\n", "stop", call);
            case "study" -> FakeOpenAi.ok((english + " ").repeat(3), "stop", call);
            default -> null;
        };
        Map<String, Object> request = request(german, "study");
        request.put("study", Map.of("strategies", List.of("concepts")));
        JsonNode view = awaitEnd(http, createJob(http, request), Duration.ofSeconds(60));
        assertThat(view.get("pairsAccepted").asInt()).isZero();
        assertThat(view.at("/rejects/wrong_language").asInt()).isPositive();
        assertThat(view.at("/study/rejects/wrong_language").asInt()).isEqualTo(1);
    }

    @Test
    void aRemediationRoundWritesFocalPassagesOnTheMissedFactsBothWays() {
        UUID document = GenerationFixtures.upload(http, "rugby.txt", GenerationFixtures.document("international touch rugby", 2));
        Map<String, Object> request = request(document, "study");
        request.put("chunkLimit", 2);
        request.put("study", Map.of("strategies", List.of("concepts"), "perChunk", 1));
        UUID parent = createJob(http, request);
        assertThat(awaitEnd(http, parent, Duration.ofSeconds(60)).get("status").asString()).isEqualTo("SUCCEEDED");
        JsonNode fact = http.getForObject("/api/jobs/" + parent + "/facts?size=1&page=1", JsonNode.class).at("/content/0");
        long factId = fact.get("id").asLong();

        assertThat(jobs.estimateRemediation(parent, List.of(factId), List.of()).studyCalls()).as("two focal passages and their judges")
                .isEqualTo(4);
        fake.reset();
        UUID child = jobs.remediate(parent, List.of(factId), List.of(), null);
        JsonNode view = awaitEnd(http, child, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/study/accepted").asInt()).as(view.get("study").toString()).isEqualTo(2);
        List<FakeOpenAi.Call> focal = fake.calls.stream().filter(call -> call.kind().equals("study")).toList();
        assertThat(focal).hasSize(2).allSatisfy(call -> {
            assertThat(call.strategy()).isEqualTo("focal");
            assertThat(call.prompt()).contains("first from its subject to what the text says of it, then the other way round");
            assertThat(call.facts()).containsExactly(Map.entry(1, fact.get("text").asString()));
        });
        assertThat(db.sql("SELECT strategy, focus_fact_ids[1] FROM study_passage WHERE job_id = ?").param(child)
                .query((rs, i) -> rs.getString(1) + ":" + rs.getLong(2)).list()).containsOnly("focal:" + factId);
    }

    @Test
    void aJobMayTurnStudyOffOrNameItsLanguageAndABadSpecIsAProblem() {
        UUID document = GenerationFixtures.upload(http, "rugby.txt", GenerationFixtures.document("international touch rugby", 1));
        Map<String, Object> off = request(document, "study");
        off.put("study", false);
        assertThat(post(http, "/api/jobs/estimate", off).getBody().at("/estimate/studyCalls").asInt()).isZero();
        JsonNode view = awaitEnd(http, createJob(http, off), Duration.ofSeconds(60));
        assertThat(view.get("study").isNull()).isTrue();
        assertThat(fake.calls).noneMatch(call -> call.kind().startsWith("study"));

        for (Object study : List.of(Map.of("strategies", List.of("poems")), Map.of("perChunk", 0), Map.of("strategies", List.of("focal")), "yes")) {
            Map<String, Object> bad = request(document, "study");
            bad.put("study", study);
            var response = post(http, "/api/jobs", bad);
            assertThat(response.getStatusCode().value()).isEqualTo(400);
            assertThat(response.getBody().get("type").asString()).endsWith("invalid-study");
        }
        Map<String, Object> klingon = request(document, "study");
        klingon.put("language", "tlh");
        assertThat(post(http, "/api/jobs", klingon).getBody().get("detail").asString()).contains("de (German)");

        fake.reset();
        Map<String, Object> german = request(document, "study");
        german.put("language", "de");
        german.put("study", false);
        awaitEnd(http, createJob(http, german), Duration.ofSeconds(60));
        assertThat(fake.calls).isNotEmpty().allSatisfy(call -> assertThat(call.prompt()).endsWith("Schreibe alles auf Deutsch."));
    }
}
