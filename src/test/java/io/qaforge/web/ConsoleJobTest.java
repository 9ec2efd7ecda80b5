package io.qaforge.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import io.qaforge.generation.FakeOpenAi;
import io.qaforge.hub.FakeHub;
import io.qaforge.training.TrainingFixtures;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's whole flow in headless Chromium: upload a PDF, estimate and start a small job against the generation
 * tests' OpenAI-compatible fake, watch it reach 100 % over SSE, browse its pairs, download the JSONL, push to the
 * export tests' fake Hugging Face Hub.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A provider name of its own: the other test contexts' engines, on the same database, claim only theirs.
        "qaforge.security.api-token=" + ConsoleTest.TOKEN,
        "qaforge.generation.poll-interval=50ms",
        "qaforge.generation.backoff=50ms",
        "qaforge.generation.max-backoff=100ms",
        "qaforge.generation.max-attempts=2",
        "qaforge.generation.providers.consolefake.api-key=test-key",
        "qaforge.generation.providers.consolefake.max-concurrency=2",
        "qaforge.generation.providers.consolefake.timeout=1s",
        "qaforge.generation.providers.consolefake.prices.fake-model.input-per-million=1.0",
        "qaforge.generation.providers.consolefake.prices.fake-model.output-per-million=2.0",
        "qaforge.hub.token=",
        "qaforge.hub.initial-backoff=10ms",
})
class ConsoleJobTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final FakeHub hub = startHub();

    @DynamicPropertySource
    static void fakes(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.consolefake.base-url", fake::baseUrl);
        registry.add("qaforge.hub.endpoint", hub::url);
    }

    @AfterAll
    static void stopFakes() {
        fake.close();
        hub.close();
    }

    private static FakeHub startHub() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @TempDir
    Path temp;

    @BeforeEach
    void answerQuickly() {
        fake.latencyMillis = 0;
    }

    @Test
    void uploadStartWatchBrowseDownloadAndPush() throws IOException {
        Path pdf = Files.write(temp.resolve("flow-rules.pdf"), ConsoleTest.rulebook(2));
        try (Browser browser = signedIn("flow")) {
            browser.driver.findElement(By.id("file-input")).sendKeys(pdf.toString());
            browser.findText("#uploads li.ok", "chunks");
            String document = browser.find("#uploads li.ok a").getAttribute("href").replaceAll(".*#documents/", "");
            browser.find("#new-job-from-documents").click();

            WebElement form = browser.find("#job-form");
            browser.find("#job-documents input[value='" + document + "']");
            assertThat(browser.all("#job-documents input:checked")).as("the uploaded document, picked")
                    .singleElement().extracting(box -> box.getAttribute("value")).isEqualTo(document);
            form.findElement(By.name("context")).sendKeys("These questions are about the Touch Rugby rulebook.");
            fill(form, "provider", "consolefake");
            fill(form, "model", "fake-model");
            fill(form, "tempCount", "2");
            fill(form, "chunkLimit", "2");
            new Select(form.findElement(By.name("strategy"))).selectByValue("recipe");
            assertThat(new Select(form.findElement(By.name("mode"))).getFirstSelectedOption().getAttribute("value")).isEqualTo("sync");
            assertThat(form.findElement(By.cssSelector("select[name=mode] option[value=batch]")).isEnabled())
                    .as("batch mode is offered only where the provider takes batches").isFalse();
            form.findElement(By.cssSelector("input[value=simple]")).click();
            browser.find("#estimate-button").click();
            assertThat(browser.find("#estimate [data-fact=requests] dd").getText()).as("2 chunks × 2 temperatures × 2 variants").isEqualTo("8");
            assertThat(browser.find("#estimate [data-fact=cost] dd").getText()).startsWith("$");
            browser.screenshot("1-estimate");

            browser.find("#start-job").click();
            browser.findText("#job-progress", "100 %");
            browser.findText("#job-detail h2", "succeeded");
            assertThat(browser.find("#job-progress").getText()).contains("8 of 8 tasks");
            assertThat(browser.find("[data-fact=pairsAccepted] dd").getText()).isNotEqualTo("0");
            assertThat(browser.find("[data-fact=costSplit] dd").getText()).contains(" in · ").contains(" out").doesNotContain("batch");
            assertThat(browser.find("#job-progress [role=progressbar]").getAttribute("aria-valuenow")).isEqualTo("100");
            browser.screenshot("2-done");

            browser.findText("#pairs tbody", "What is detail");
            browser.findText("#pairs .source", "Fact 1.");
            browser.script("document.getElementById('pairs').scrollIntoView()");
            browser.screenshot("3-pairs");
            new Select(browser.find("#pairs select[name=variant]")).selectByValue("simple");
            browser.waitUntil(d -> onlyPairsShown(browser, "simple"));
            new Select(browser.find("#pairs select[name=variant]")).selectByValue("");
            new Select(browser.find("#pairs select[name=split]")).selectByValue("test");
            browser.waitUntil(d -> onlyPairsShown(browser, "test"));

            browser.script("window.scrollTo(0, 0)");
            new Select(browser.find("#download-form select[name=format]")).selectByValue("jsonl");
            browser.find("#download-form button").click();
            browser.waitUntil(d -> !browser.all("#download-form .notice, #download-form .error").isEmpty());
            assertThat(browser.find("#download-form .notice, #download-form .error").getText()).startsWith("Saved");
            Path jsonl = browser.awaitDownload(".jsonl");
            browser.screenshot("4-downloaded");
            List<String> lines = Files.readAllLines(jsonl);
            assertThat(lines).isNotEmpty();
            JsonNode messages = new JsonMapper().readTree(lines.getFirst()).get("messages");
            assertThat(messages.get(0).get("role").asString()).isEqualTo("user");
            assertThat(messages.get(0).get("content").asString()).startsWith("What is detail");
            assertThat(messages.get(1).get("role").asString()).isEqualTo("assistant");
            assertThat(messages.get(1).get("content").asString()).startsWith("Fact ");

            // No Hub token in the form nor on the service: refused with the API's reason; with one, pushed.
            browser.find("#hub-form input[name=repoId]").sendKeys("alice/touch-rules-qa");
            browser.find("#hub-form button").click();
            assertThat(browser.find("#hub-form .error").getText()).startsWith("No Hub token");
            browser.find("#hub-form input[name=hubToken]").sendKeys(FakeHub.WRITE_TOKEN);
            browser.find("#hub-form button").click();
            browser.findText("#hub-form .notice", "succeeded");
            assertThat(browser.find("#hub-form .notice a").getText()).contains("alice/touch-rules-qa");
            assertThat(hub.repos.get("alice/touch-rules-qa")).as("files committed to the fake Hub").isNotEmpty();
            browser.screenshot("5-hub-pushed");

            String job = browser.driver.getCurrentUrl().replaceAll(".*#jobs/", "");
            browser.find("#tabs a[data-tab=jobs]").click();
            WebElement row = browser.find("#jobs-table tr[data-id='" + job + "']");
            assertThat(row.getText()).contains("succeeded", "consolefake · fake-model", "100 %", "56");
            browser.screenshot("6-list");
        }
    }

    @Test
    void retriesFailedTasksAndCancels() throws IOException {
        // Every call outlasts the provider timeout: the job's tasks fail after their attempts.
        fake.latencyMillis = 2_000;
        try (Browser browser = signedIn("retry")) {
            String document = uploadByApi();
            browser.go("/#jobs");
            browser.find("#jobs-table tbody tr");
            if (browser.find("#new-job").getAttribute("open") == null) {
                browser.find("#new-job summary").click();
            }
            WebElement form = browser.find("#job-form");
            browser.find("#estimate-button").click();
            assertThat(browser.find("#job-form-error .error").getText()).as("the API's problem")
                    .startsWith("Invalid request").contains("documentIds", "context");
            browser.screenshot("0-invalid");
            browser.find("#job-documents input[value='" + document + "']").click();
            form.findElement(By.name("context")).sendKeys("Touch rugby rules.");
            fill(form, "provider", "consolefake");
            fill(form, "model", "fake-model");
            fill(form, "tempCount", "1");
            fill(form, "chunkLimit", "2");
            new Select(form.findElement(By.name("strategy"))).selectByValue("recipe");
            browser.find("#estimate-button").click();
            browser.find("#start-job").click();

            browser.waitUntil(d -> browser.find("#job-detail h2").getText().matches("(?s).*(completed with errors|failed).*"));
            assertThat(browser.find("#job-progress").getText()).contains("2 of 2 tasks", "2 failed");
            assertThat(browser.find("table.failures tbody").getText()).as("why they failed, as a person writes a duration")
                    .contains("timeout after 1s (after 2 attempts)");
            browser.screenshot("1-failed");

            fake.latencyMillis = 0;
            browser.find("#job-detail .actions button:not(.danger)").click();
            browser.findText("#job-detail h2", "succeeded");
            assertThat(browser.find("#job-progress").getText()).contains("100 %", "2 of 2 tasks").doesNotContain("failed");
            browser.screenshot("2-retried");

            // A slow job, cancelled while it runs.
            fake.latencyMillis = 800;
            browser.go("/#jobs");
            form = browser.find("#job-form");
            fill(form, "tempCount", "9");
            browser.find("#estimate-button").click();
            browser.find("#start-job").click();
            browser.findText("#job-detail h2", "running");
            browser.findText("#job-progress", "of 18 tasks");
            browser.screenshot("3-running");
            browser.find("#job-detail button.danger").click();
            browser.findText("#job-detail h2", "cancelled");
            assertThat(browser.find("#job-progress").getText()).contains("cancelled");
            browser.screenshot("4-cancelled");
        }
    }

    @Test
    void settingsGatherWhatEachFeaturePublishes() {
        assertThat(http.getForEntity("/api/console/settings", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);

        JsonNode settings = get("/api/console/settings", JsonNode.class).getBody();
        assertThat(texts(settings.at("/hubPushes/formats"))).as("CSV is refused by Hub pushes").containsExactly("parquet", "jsonl");
        assertThat(texts(settings.at("/exports/formats"))).containsExactly("jsonl", "csv", "parquet");
        assertThat(texts(settings.at("/exports/splits"))).containsExactly("all", "train", "test");
        JsonNode jobs = settings.get("jobs");
        assertThat(jobs.at("/temperatures/maxCount").asInt()).isEqualTo(100);
        assertThat(jobs.at("/temperatures/max").asInt()).isEqualTo(2);
        assertThat(jobs.at("/temperatures/defaultCount").asInt()).isEqualTo(9);
        assertThat(jobs.get("contextMaxLength").asInt()).isEqualTo(1000);
        assertThat(texts(jobs.get("variants"))).containsExactly("standard", "simple", "nuanced", "reversed");
        assertThat(texts(jobs.get("defaultVariants"))).containsExactly("standard");
        assertThat(texts(jobs.at("/study/strategies"))).containsExactly("concepts", "implications", "teacher", "case", "discussion",
                "outline", "relations");
        assertThat(jobs.at("/study/maxPerChunk").asInt()).isEqualTo(50);
        assertThat(texts(jobs.get("languages"))).contains("en", "de");
        assertThat(texts(jobs.get("terminalStatuses"))).contains("SUCCEEDED", "CANCELLED").doesNotContain("QUEUED", "RUNNING");
        assertThat(texts(settings.at("/trainings/terminalStatuses"))).contains("SUCCEEDED", "FAILED", "CANCELLED")
                .doesNotContain("QUEUED", "RUNNING");
        // Only providers a job can use now: runpod has neither key nor endpoint here.
        assertThat(jobs.get("providers").findValuesAsString("name")).contains("consolefake").doesNotContain("runpod");
        JsonNode model = jobs.get("providers").findParents("name").stream()
                .filter(node -> node.get("name").asString().equals("fake-model")).findFirst().orElseThrow();
        assertThat(model.get("inputPerMillion").decimalValue()).isEqualByComparingTo("1.0");
        assertThat(model.get("outputPerMillion").decimalValue()).isEqualByComparingTo("2.0");
    }

    /** A fact job against a weak model: its facts with forward and reverse coverage, the judge's verdicts, rejects by reason. */
    @Test
    void aFactJobShowsItsFactsCoverageVerdictsAndRejects() throws IOException {
        String document = uploadByApi();
        fake.weak = true;
        ResponseEntity<JsonNode> created = post("/api/jobs", Map.of("documentIds", List.of(document), "context", "Touch rugby rules.",
                "provider", "consolefake", "model", "fake-model", "temperatures", Map.of("count", 3), "chunkLimit", 1));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        String job = created.getBody().get("id").asString();
        try (Browser browser = signedIn("facts")) {
            browser.go("/#jobs/" + job);
            browser.findText("#job-detail h2", "succeeded");
            JsonNode view = get("/api/jobs/" + job, JsonNode.class).getBody();
            int facts = view.at("/coverage/facts").asInt();
            assertThat(facts).isPositive();
            assertThat(browser.find("[data-fact=coverage] dd").getText()).isEqualTo(view.at("/coverage/covered").asInt() + " of " + facts);
            assertThat(browser.find("[data-fact=judgePassRate] dd").getText()).startsWith("100 %");
            assertThat(browser.find("#self-judged").getText()).as("the default judge is the generator")
                    .isEqualTo(view.at("/judge/warning").asString()).contains("grading its own answers");
            assertThat(browser.find("table.rejects").getText()).contains("prompt_echo", "markup", "unsupported_number");
            List<String> passageRejects = view.at("/study/rejects").propertyNames().stream().toList();
            assertThat(passageRejects).as("weak models' passages, rejected by the passage gate").isNotEmpty();
            assertThat(browser.find("#job-study table.study-rejects").getText()).contains(passageRejects);
            browser.waitUntil(d -> browser.all("#facts .fact").size() == Math.min(facts, 20));
            // The title line, listed as a fact ("Touch Rugby Rulebook"), gets no pair past the grounding floor: take a taught one.
            WebElement first = browser.all("#facts .fact").stream()
                    .filter(fact -> !fact.findElement(By.cssSelector(".coverage.forward .count")).getText().startsWith("0 "))
                    .findFirst().orElseThrow();
            assertThat(first.findElements(By.cssSelector(".coverage"))).extracting(bar -> bar.getAttribute("data-direction"))
                    .containsExactly("forward", "reverse");
            assertThat(first.findElement(By.cssSelector(".coverage.reverse .count")).getText()).endsWith("/ 2");
            browser.screenshot("1-facts");

            String factId = first.getAttribute("data-id");
            first.click();
            browser.waitUntil(d -> onlyPairsShown(browser, "fact " + factId + " ·"));
            assertThat(browser.all("#pairs tbody tr")).extracting(WebElement::getText).anyMatch(text -> text.contains("judge: pass · score 5/5"));
            browser.screenshot("2-fact-pairs");
        } finally {
            fake.weak = false;
        }
    }

    /**
     * Study passages from the form: a fact job with two chosen strategies, two passages a chunk, in English, whose page
     * shows the passages' figures, the diversity and the language; then one with study passages off.
     */
    @Test
    void startsJobsWithChosenStudyStrategiesOrNoneAndShowsTheirFigures() throws IOException {
        String document = uploadByApi();
        try (Browser browser = signedIn("study")) {
            browser.go("/#jobs");
            if (browser.find("#new-job").getAttribute("open") == null) {
                browser.find("#new-job summary").click();
            }
            WebElement form = browser.find("#job-form");
            browser.find("#job-documents input[value='" + document + "']").click();
            form.findElement(By.name("context")).sendKeys("Touch rugby rules.");
            fill(form, "provider", "consolefake");
            fill(form, "model", "fake-model");
            fill(form, "tempCount", "1");
            fill(form, "chunkLimit", "1");
            assertThat(values(browser, "#study-options input[name=studyStrategy]:checked")).as("every strategy, as the service's default")
                    .containsExactly("concepts", "implications", "teacher", "case", "discussion", "outline", "relations");
            for (String strategy : List.of("implications", "teacher", "case", "discussion", "relations")) {
                browser.find("#study-options input[value=" + strategy + "]").click();
            }
            fill(form, "perChunk", "2");
            new Select(form.findElement(By.name("language"))).selectByValue("en");
            browser.find("#estimate-button").click();
            assertThat(browser.find("#estimate [data-fact=studyCalls] dd").getText()).as("2 passages and their 2 judge calls").isEqualTo("4");
            browser.find("#start-job").click();

            browser.findText("#job-detail h2", "succeeded");
            String job = browser.driver.getCurrentUrl().replaceAll(".*#jobs/", "");
            JsonNode view = get("/api/jobs/" + job, JsonNode.class).getBody();
            assertThat(view.at("/params/study").toString()).isEqualTo("{\"strategies\":[\"concepts\",\"outline\"],\"perChunk\":2}");
            assertThat(view.at("/params/language").asString()).isEqualTo("en");
            browser.findText("#job-study [data-fact=studyAccepted] dd", view.at("/study/accepted").asString());
            assertThat(view.at("/study/accepted").asInt()).isPositive();
            assertThat(browser.find("#job-study [data-fact=studyCalls] dd").getText()).isEqualTo(view.at("/study/calls").asString());
            assertThat(browser.find("#job-study [data-fact=studyCost] dd").getText()).startsWith("$");
            assertThat(browser.find("#job-study [data-fact=studyFaithfulness] dd").getText()).endsWith(" %");
            browser.findText("#job-study table.diversity", "Passages");
            assertThat(browser.find("#job-study table.diversity tr[data-text=passages]").getText())
                    .contains(view.at("/diversity/passages/texts").asString());
            assertThat(browser.find("#job-language").getText()).contains("en");
            browser.find("#download-passages").click();
            List<String> passages = Files.readAllLines(browser.awaitDownload(".jsonl"));
            assertThat(passages).hasSize(view.at("/study/accepted").asInt())
                    .allMatch(line -> line.contains("\"strategy\":\"concepts\"") || line.contains("\"strategy\":\"outline\""));
            browser.screenshot("study-1-passages");

            browser.go("/#jobs");
            form = browser.find("#job-form");
            browser.find("#study-options input[name=studyOn]").click();
            assertThat(browser.find("#study-options input[name=perChunk]").isEnabled()).as("no count to choose when off").isFalse();
            assertThat(browser.all("#estimate").getFirst().isDisplayed()).as("the edit made the last estimate stale").isFalse();
            browser.find("#estimate-button").click();
            browser.find("#estimate");
            assertThat(browser.all("#estimate [data-fact=studyCalls]")).isEmpty();
            browser.find("#start-job").click();
            browser.findText("#job-detail h2", "succeeded");
            String plain = browser.driver.getCurrentUrl().replaceAll(".*#jobs/", "");
            assertThat(plain).isNotEqualTo(job);
            assertThat(get("/api/jobs/" + plain, JsonNode.class).getBody().at("/params/study").isNull()).isTrue();
            assertThat(browser.find("#job-study").getText()).contains("This job writes no study passages.");
            browser.screenshot("study-2-none");
        }
    }

    /** Reads every choice the console's forms offer and hands each one to the API: none may be refused. */
    @Test
    void offersOnlyWhatTheServiceAccepts() throws IOException {
        String document = uploadByApi();
        ResponseEntity<JsonNode> created = post("/api/jobs", Map.of("documentIds", List.of(document), "context", "Touch rugby rules.",
                "provider", "consolefake", "model", "fake-model", "temperatures", Map.of("count", 1), "chunkLimit", 1));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        String job = created.getBody().get("id").asString();
        try (Browser browser = signedIn("offers")) {
            browser.go("/#jobs/" + job);
            browser.findText("#job-detail h2", "succeeded");
            List<String> formats = values(browser, "#download-form select[name=format] option");
            List<String> splits = values(browser, "#download-form select[name=split] option");
            assertThat(formats).isNotEmpty();
            assertThat(splits).isNotEmpty();
            for (String format : formats) {
                for (String split : splits) {
                    assertThat(get("/api/jobs/" + job + "/export?format=" + format + "&split=" + split, byte[].class).getStatusCode())
                            .as("download as %s, %s", format, split).isEqualTo(HttpStatus.OK);
                }
            }
            List<String> hubFormats = values(browser, "#hub-form select[name=format] option");
            assertThat(hubFormats).isNotEmpty();
            for (String format : hubFormats) {
                ResponseEntity<JsonNode> push = post("/api/jobs/" + job + "/hub-push",
                        Map.of("repoId", "alice/offered-" + format, "format", format, "token", FakeHub.WRITE_TOKEN));
                assertThat(push.getStatusCode()).as("Hub push as %s: %s", format, push.getBody()).isEqualTo(HttpStatus.ACCEPTED);
            }
            browser.screenshot("offers-1-job");

            browser.go("/#jobs");
            browser.find("#jobs-table tr[data-id='" + job + "']");
            if (browser.find("#new-job").getAttribute("open") == null) {
                browser.find("#new-job summary").click();
            }
            WebElement form = browser.find("#job-form");
            int maxCount = Integer.parseInt(attribute(form, "tempCount", "max"));
            double min = Double.parseDouble(attribute(form, "tempMin", "min"));
            double max = Double.parseDouble(attribute(form, "tempMax", "max"));
            int contextMaxLength = Integer.parseInt(attribute(form, "context", "maxlength"));
            List<String> variants = values(browser, "#job-form input[name=variant]");
            List<String> providers = values(browser, "#providers option");
            assertThat(providers).contains("consolefake");
            for (String provider : providers) {
                fill(form, "provider", provider);
                List<String> models = values(browser, "#models option");
                assertThat(models).as("models offered for %s", provider).isNotEmpty();
                for (String model : models) {
                    var request = Map.of("documentIds", List.of(document), "context", "x".repeat(contextMaxLength),
                            "provider", provider, "model", model, "variants", variants, "chunkLimit", 1,
                            "temperatures", Map.of("count", maxCount, "min", min, "max", max), "strategy", "recipe");
                    ResponseEntity<JsonNode> estimate = post("/api/jobs/estimate", request);
                    assertThat(estimate.getStatusCode()).as("estimate with %s %s: %s", provider, model, estimate.getBody())
                            .isEqualTo(HttpStatus.OK);
                    assertThat(estimate.getBody().at("/estimate/requests").asInt()).isEqualTo(maxCount * variants.size());
                }
            }
            // The form's cap is the service's, not a stricter copy: one more is refused.
            var tooMany = Map.of("documentIds", List.of(document), "context", "Rules.", "provider", "consolefake",
                    "model", "fake-model", "temperatures", Map.of("count", maxCount + 1));
            assertThat(post("/api/jobs/estimate", tooMany).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            browser.screenshot("offers-2-form");
        }
    }

    @Test
    void examsTrainingRunsComparisonsAndTheAdapterFromThePage() throws IOException {
        TrainingFixtures fixtures = new TrainingFixtures(http, jdbc, ConsoleTest.TOKEN);
        TrainingFixtures.endOpenRuns(jdbc);
        UUID document = fixtures.document("console-touch.txt", "Touch is played six a side. A half lasts twenty minutes.");
        UUID job = fixtures.job(document, new String[] {"How many players?", "Six.", "test"}, new String[] {"Who restarts?", "The defenders.", "test"},
                new String[] {"How long is a half?", "20 minutes.", "train"});
        Path examFile = Files.writeString(temp.resolve("rulebook-exam.csv"), "question,answer,direction\nHow many players?,Six.,forward\n"
                + "What is played six a side?,Touch.,reverse\n");
        try (Browser browser = signedIn("training")) {
            browser.go("/#exams");
            browser.find("#exam-upload input[type=file]").sendKeys(examFile.toString());
            browser.find("#exam-upload button").click();
            browser.findText("#exam-upload-result .notice", "2 questions");
            browser.findText("#exams-table", "rulebook-exam");
            browser.screenshot("training-1-exams");

            browser.go("/#jobs/" + job);
            browser.find("#make-exam").click();
            browser.findText("#job-detail .notice", "made of 2 test pairs");

            browser.go("/#trainings");
            browser.find("#new-training summary").click();
            WebElement form = browser.find("#training-form");
            browser.find("#training-form select[name=source] option[value='job:" + job + "']");
            new Select(form.findElement(By.name("source"))).selectByValue("job:" + job);
            fill(form, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct");
            assertThat(attribute(form, "param-learningRate", "value")).as("the worker's default, from the settings").isEqualTo("0.0001");
            assertThat(attribute(form, "param-loraR", "value")).isEqualTo("16");
            fill(form, "param-epochs", "3");
            browser.screenshot("training-2-form");
            browser.find("#start-training").click();
            browser.waitUntil(d -> d.getCurrentUrl().matches(".*#trainings/[0-9a-f-]{36}$"));
            String run = browser.driver.getCurrentUrl().replaceAll(".*#trainings/", "");
            browser.findText("#training-detail [data-fact=exam]", "Test split of job");
            assertThat(fixtures.get("/api/trainings/" + run).getBody().get("params").toString()).as("only what was changed")
                    .isEqualTo("{\"epochs\":3}");

            // The worker's part, through the worker API.
            JsonNode claim = fixtures.claim("gpu-1");
            assertThat(claim.get("id").asString()).isEqualTo(run);
            JsonNode questions = fixtures.worker(HttpMethod.GET, "/api/worker/trainings/" + run + "/exam", null).getBody().get("questions");
            fixtures.upload(claim.get("artifactUrl").asString(), "adapter", "gpu-1", TrainingFixtures.fakeAdapter());
            List<Map<String, Object>> results = new ArrayList<>();
            for (JsonNode q : questions) {
                boolean players = q.get("question").asString().equals("How many players?");
                results.add(Map.of("questionId", q.get("id").asString(), "phase", "before", "answer", "No idea.", "exactMatch", false,
                        "tokenF1", 0.0, "contained", false));
                results.add(Map.of("questionId", q.get("id").asString(), "phase", "after", "answer", players ? "Six." : "The attackers.",
                        "exactMatch", players, "tokenF1", players ? 1.0 : 0.3, "contained", players));
            }
            fixtures.worker(HttpMethod.POST, "/api/worker/trainings/" + run + "/complete", Map.of("workerId", "gpu-1", "results", results,
                    "recall", Map.of("before", Map.of("questions", 2, "exactMatch", 0.0, "tokenF1", 0.0, "contained", 0.0),
                            "after", Map.of("questions", 2, "exactMatch", 0.5, "tokenF1", 0.65, "contained", 0.5))));

            browser.findText("#training-detail h2", "succeeded");
            assertThat(browser.find("#recall-table tr[data-phase=after] td[data-metric=contained]").getText()).isEqualTo("50 %");
            assertThat(browser.find("#recall-table tr[data-phase=before] td[data-metric=contained]").getText()).isEqualTo("0 %");
            browser.find("#results-table");
            assertThat(browser.all("#results-table tbody tr")).hasSize(2);
            assertThat(browser.find("#results-table").getText()).contains("How many players?", "Six.", "The attackers.", "No idea.", "missed");
            browser.screenshot("training-3-results");

            browser.find("#downloads button[data-kind=adapter]").click();
            assertThat(Files.readAllBytes(browser.awaitDownload(".zip"))).isEqualTo(TrainingFixtures.fakeAdapter());

            WebElement push = browser.find("#model-push-form");
            fill(push, "repoId", "alice/console-adapter");
            push.findElement(By.name("hubToken")).sendKeys(FakeHub.WRITE_TOKEN);
            push.findElement(By.cssSelector("button")).click();
            browser.findText("#model-push-form .notice", "succeeded");
            assertThat(hub.models.get("alice/console-adapter")).containsKeys("adapter_model.safetensors", "README.md");
            browser.screenshot("training-4-pushed");

            browser.go("/#trainings");
            browser.find("#new-training summary").click();
            form = browser.find("#training-form");
            browser.find("#training-form select[name=source] option[value='job:" + job + "']");
            new Select(form.findElement(By.name("source"))).selectByValue("job:" + job);
            form.findElement(By.name("models")).sendKeys("HuggingFaceTB/SmolLM2-135M-Instruct\nQwen/Qwen2.5-0.5B-Instruct\n");
            browser.find("#compare-models").click();
            browser.findText("#comparison-table", "SmolLM2-135M-Instruct");
            assertThat(browser.all("#comparison-table tbody tr")).hasSize(2);
            assertThat(browser.find("#comparison-table").getText()).contains("queued", "Qwen/Qwen2.5-0.5B-Instruct");
            browser.screenshot("training-5-comparison");
            assertThat(browser.consoleErrors()).as("the sign-in's visit to /actuator/health asks for a favicon; nothing else may fail")
                    .allMatch(error -> error.contains("/favicon.ico"));
        } finally {
            TrainingFixtures.endOpenRuns(jdbc);
        }
    }

    /** Whether the pairs table shows pairs, and every one of them mentions the text (a variant, a split). */
    private static boolean onlyPairsShown(Browser browser, String text) {
        List<WebElement> rows = browser.all("#pairs tbody tr");
        return !rows.isEmpty() && rows.stream().allMatch(row -> row.getText().contains(text));
    }

    private Browser signedIn(String test) {
        Browser browser = Browser.open(test, "http://localhost:" + port);
        browser.go("/actuator/health");
        browser.script("localStorage.setItem('qaforge.apiToken', arguments[0])", ConsoleTest.TOKEN);
        return browser.go("/");
    }

    /** Uploads a one-page PDF through the API and answers its id. */
    private String uploadByApi() throws IOException {
        return ConsoleTest.upload(http, "one-page.pdf", ConsoleTest.rulebook(1));
    }

    private static List<String> values(Browser browser, String css) {
        return browser.all(css).stream().map(element -> element.getAttribute("value")).toList();
    }

    private static String attribute(WebElement form, String name, String attribute) {
        return form.findElement(By.name(name)).getAttribute(attribute);
    }

    private static List<String> texts(JsonNode array) {
        return array.valueStream().map(JsonNode::asText).toList();
    }

    private <T> ResponseEntity<T> get(String path, Class<T> type) {
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(ConsoleTest.bearer(ConsoleTest.TOKEN)), type);
    }

    private ResponseEntity<JsonNode> post(String path, Object body) {
        return http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, ConsoleTest.bearer(ConsoleTest.TOKEN)), JsonNode.class);
    }

    private static void fill(WebElement form, String name, String value) {
        WebElement input = form.findElement(By.name(name));
        input.clear();
        input.sendKeys(value);
    }
}
