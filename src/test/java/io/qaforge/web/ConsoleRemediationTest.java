package io.qaforge.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpMethod;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.qaforge.generation.FakeOpenAi;
import io.qaforge.training.TrainingFixtures;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Remediation from a training run's page in headless Chromium: the estimate, the next round queued, recall per round. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.security.api-token=" + ConsoleTest.TOKEN,
        "qaforge.security.worker-token=" + TrainingFixtures.WORKER_TOKEN,
        "qaforge.documents.chunk-target-tokens=100",
        "qaforge.documents.chunk-max-tokens=150",
        "qaforge.generation.poll-interval=50ms",
        // A provider name of its own: the other test contexts' engines, on the same database, claim only theirs.
        "qaforge.generation.providers.consoleremediation.api-key=test-key",
        "qaforge.generation.providers.consoleremediation.prices.fake-model.input-per-million=1.0",
        "qaforge.generation.providers.consoleremediation.prices.fake-model.output-per-million=2.0",
})
class ConsoleRemediationTest {

    static final FakeOpenAi fake = new FakeOpenAi();

    @DynamicPropertySource
    static void fakes(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.consoleremediation.base-url", fake::baseUrl);
    }

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aCompletedRunIsRemediatedFromItsPageAndTheRoundsShowTheirRecall() {
        TrainingFixtures fixtures = new TrainingFixtures(http, jdbc, ConsoleTest.TOKEN);
        TrainingFixtures.endOpenRuns(jdbc);
        UUID document = fixtures.document("console-rules.txt", TrainingFixtures.rules(3));
        JsonNode job = fixtures.post("/api/jobs", Map.of("documentIds", List.of(document), "context", "Touch rugby rules.",
                "provider", "consoleremediation", "model", "fake-model", "temperatures", Map.of("count", 3), "judge", false)).getBody();
        awaitJob(fixtures, job.get("id").asString());
        String first = fixtures.post("/api/trainings", Map.of("jobId", job.get("id"), "baseModel", "tiny")).getBody().get("id").asString();
        JsonNode questions = claimExam(fixtures, first);
        long missedFact = questions.get(0).get("factId").asLong();
        complete(fixtures, first, questions, q -> q.get("factId").asLong() != missedFact, 0.6, 0.58);
        long missed = questions.findValues("factId").stream().filter(f -> f.asLong() == missedFact).count();

        try (Browser browser = Browser.open("remediation", "http://localhost:" + port)) {
            browser.go("/actuator/health");
            browser.script("localStorage.setItem('qaforge.apiToken', arguments[0])", ConsoleTest.TOKEN);
            browser.go("/#trainings/" + first);
            browser.findText("#training-detail h2", "succeeded");
            assertThat(browser.all("#rounds-table")).as("one round: nothing to compare yet").isEmpty();
            browser.find("#remediate-estimate").click();
            browser.findText("#remediate-summary", "Missed " + missed + " of " + questions.size() + " questions answered");
            assertThat(browser.find("#remediate-summary").getText()).contains("round 2 tops up 1 fact and 0 chunks in 1 job", "$");
            assertThat(browser.find("#remediate").getText()).contains("token F1 0.5");
            browser.screenshot("remediation-1-estimate");
            browser.find("#remediate-queue").click();
            browser.waitUntil(d -> d.getCurrentUrl().matches(".*#trainings/[0-9a-f-]{36}$") && !d.getCurrentUrl().endsWith(first));
            String second = browser.driver.getCurrentUrl().replaceAll(".*#trainings/", "");
            browser.findText("#training-detail [data-fact=round]", "2 · remediates " + first.substring(0, 8));

            JsonNode next = fixtures.get("/api/trainings/" + second).getBody();
            for (JsonNode jobId : next.get("jobIds")) {
                awaitJob(fixtures, jobId.asString());
            }
            complete(fixtures, second, claimExam(fixtures, second), q -> true, 0.9, 0.4);
            browser.findText("#training-detail h2", "succeeded");
            browser.findText("#rounds-table tr[data-round='2']", "succeeded");
            assertThat(browser.all("#rounds-table tbody tr")).hasSize(2);
            assertThat(browser.find("#rounds-table tr[data-round='1'] td[data-phase=after]").getText()).endsWith("F1 0.6");
            assertThat(browser.find("#rounds-table tr[data-round='2'] td[data-phase=after]").getText()).endsWith("F1 0.9");
            assertThat(browser.find("#rounds-table tr[data-round='2']").getText()).contains("+ top-up");
            assertThat(browser.find("#rounds-table tr[data-round='2'] td[data-phase=retention]").getText())
                    .as("a round that bought recall with forgetting shows it").isEqualTo("60 % → 40 %");
            assertThat(browser.find("#retention").getText()).contains("Forgetting", "60 % → 40 %", "−20 points", "5-point warning");
            browser.screenshot("remediation-2-rounds");
            browser.go("/#trainings/" + first);
            browser.findText("#remediated-by", "Remediated by round 2: " + second.substring(0, 8));
            assertThat(browser.all("#remediate")).as("remediate the latest round instead").isEmpty();
            assertThat(browser.find("#retention").getText()).as("58 % → 60 %: nothing forgotten").doesNotContain("Forgetting");

            browser.go("/#trainings");
            browser.find("#trainings-table tr[data-id='" + first + "'] input[type=checkbox]").click();
            browser.find("#trainings-table tr[data-id='" + second + "'] input[type=checkbox]").click();
            browser.find("#trainings-side-by-side").click();
            browser.findText("#side-by-side h2", "Runs side by side");
            assertThat(browser.all("#recall-bars g.group")).hasSize(2);
            assertThat(browser.all("#recall-bars g.group rect.col.after")).as("one after bar per run").hasSize(2);
            assertThat(browser.all("#recall-bars g.group rect.col.retentionAfter")).hasSize(2);
            assertThat(browser.find("#recall-bars").getText()).contains("round 1", "round 2", "forgetting");
            assertThat(browser.find("#side-by-side-table tr[data-id='" + second + "'] td[data-phase=retention]").getText()).isEqualTo("60 % → 40 %");
            browser.screenshot("remediation-3-side-by-side");
            assertThat(browser.consoleErrors()).as("the sign-in's visit to /actuator/health asks for a favicon; nothing else may fail")
                    .allMatch(error -> error.contains("/favicon.ico"));
        } finally {
            TrainingFixtures.endOpenRuns(jdbc);
        }
    }

    private static void awaitJob(TrainingFixtures fixtures, String job) {
        await().atMost(Duration.ofSeconds(60)).until(() -> fixtures.get("/api/jobs/" + job).getBody().get("status").asString(),
                status -> !status.equals("QUEUED") && !status.equals("RUNNING"));
    }

    private static JsonNode claimExam(TrainingFixtures fixtures, String run) {
        assertThat(fixtures.claim("gpu-1").get("id").asString()).isEqualTo(run);
        return fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + run + "/exam", null).getBody().get("questions");
    }

    /** Completes the run as its worker: after training, the questions {@code recalled} accepts contain the reference. */
    private static void complete(TrainingFixtures fixtures, String run, JsonNode questions, java.util.function.Predicate<JsonNode> recalled,
                                 double afterF1, double retentionAfter) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (JsonNode q : questions) {
            boolean right = recalled.test(q);
            Map<String, Object> after = new HashMap<>(Map.of("questionId", q.get("id").asString(), "phase", "after", "answer", right ? "Right." : "Wrong.",
                    "exactMatch", false, "tokenF1", right ? 0.8 : 0.1, "contained", right));
            results.add(after);
        }
        assertThat(fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + run + "/complete", Map.of("workerId", "gpu-1", "results", results,
                "recall", Map.of("after", Map.of("questions", questions.size(), "tokenF1", afterF1, "contained", afterF1),
                        "retention", Map.of("questions", 231, "before", 0.6, "after", retentionAfter))))
                .getStatusCode().value()).isEqualTo(200);
    }
}
