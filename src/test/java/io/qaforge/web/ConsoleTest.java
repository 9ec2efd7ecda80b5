package io.qaforge.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.document.TestPdfs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in headless Chromium against the real service and PostgreSQL, with the API token configured.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.security.api-token=" + ConsoleTest.TOKEN,
        "qaforge.security.worker-token=" + ConsoleTest.WORKER_TOKEN})
class ConsoleTest {

    static final String TOKEN = "console-secret";
    static final String WORKER_TOKEN = "console-worker-secret";

    /** Installed before the page's own scripts: counts what a view leaves running (see the script's comment). */
    private static final String PROBE = resource("probe.js");

    /** Drops files on the drop zone as a user's drag-and-drop does: a DataTransfer carrying File objects. */
    private static final String DROP = """
            const transfer = new DataTransfer();
            for (const [name, type, base64] of arguments[0]) {
                const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, {type}));
            }
            const zone = document.getElementById('dropzone');
            for (const type of ['dragenter', 'dragover', 'drop']) {
                zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: transfer}));
            }""";

    @LocalServerPort
    int port;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @TempDir
    Path temp;

    @Test
    void uploadsDroppedAndPickedPdfsAndReadsTheirChunks() throws IOException {
        Path picked = Files.write(temp.resolve("touch-rules.pdf"), rulebook(8));
        try (Browser browser = Browser.open("documents", "http://localhost:" + port)) {
            browser.go("/");
            assertThat(browser.findText("#documents-error .error", "Unauthorized").getText())
                    .as("the API's problem title and detail").contains("Send 'Authorization: Bearer <token>'");
            assertThat(browser.find(".token").getAttribute("class")).contains("needed");
            browser.screenshot("1-no-token");

            browser.find("#token").sendKeys(TOKEN, Keys.TAB);
            browser.waitUntil(d -> browser.all("#documents-error .error").isEmpty());
            assertThat(browser.script("return localStorage.getItem('qaforge.apiToken')")).isEqualTo(TOKEN);

            browser.driver.findElement(By.id("file-input")).sendKeys(picked.toString());
            browser.script(DROP, List.of(
                    List.of("scoring.pdf", "application/pdf", Base64.getEncoder().encodeToString(rulebook(3))),
                    List.of("page.pdf", "application/pdf", Base64.getEncoder().encodeToString(
                            new byte[]{(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13}))));
            browser.waitUntil(d -> browser.all("#uploads li.ok").size() == 2 && browser.all("#uploads li.failed").size() == 1);
            assertThat(browser.find("#uploads li.failed").getText()).contains("page.pdf", "Unsupported file type");
            browser.findText("#documents-table tbody", "scoring.pdf");
            browser.findText("#documents-table tbody", "touch-rules.pdf");
            browser.screenshot("2-uploaded");

            String id = browser.find("#uploads li.ok a").getAttribute("href").replaceAll(".*#documents/", "");
            JsonNode rules = api("/api/documents/" + id);
            assertThat(rules.get("name").asString()).as("the picked file was uploaded first").isEqualTo("touch-rules.pdf");
            int chunks = rules.get("chunkCount").asInt();
            assertThat(chunks).as("enough text for two pages of chunks").isGreaterThan(10);
            WebElement row = browser.find("#documents-table tr[data-id='" + rules.get("id").asString() + "']");
            assertThat(row.findElements(By.cssSelector("td.num")).stream().map(WebElement::getText).toList())
                    .startsWith("8", String.format(Locale.ENGLISH, "%,d", rules.get("tokens").asInt()), String.valueOf(chunks));
            assertThat(browser.find("#new-job-from-documents").isEnabled()).as("uploaded documents are selected").isTrue();

            row.findElement(By.linkText("touch-rules.pdf")).click();
            browser.findText("#document-detail .chunks", "Chunk 1");
            assertThat(browser.all("#document-detail .chunk")).hasSize(10);
            assertThat(browser.find("#document-detail .chunk").getText()).contains("page 1", "Fact 1.");
            assertThat(browser.find("[data-fact=chunks] dd").getText()).isEqualTo(String.valueOf(chunks));
            assertThat(browser.find("#document-detail .pager").getText()).contains("Page 1 of 2");
            browser.screenshot("3-chunks");

            browser.find("#document-detail .pager button:last-child").click();
            browser.findText("#document-detail .chunks", "Chunk 11");
            assertThat(browser.all("#document-detail .chunk")).hasSize(chunks - 10);
            assertThat(browser.all("#document-detail .chunk").getLast().getText()).contains("page 8");
            browser.screenshot("4-chunks-page-2");
        }
    }

    @Test
    void showsTrainingRunsWithTheirLossCurve() {
        UUID job = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, 'SUCCEEDED', 'openai', 'gpt-4o-mini', 'Touch rugby rules', '{}', '{}')""", job);
        String run = post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct",
                "params", Map.of("epochs", 3, "learningRate", 2e-4)), TOKEN).at("/id").asString();
        assertThat(post("/api/worker/trainings/claim", Map.of("workerId", "gpu-1"), WORKER_TOKEN).at("/id").asString())
                .as("the worker claims this test's run (other tests leave none claimable)").isEqualTo(run);
        for (int step = 10; step <= 120; step += 10) {
            var progress = new HashMap<String, Object>(Map.of("workerId", "gpu-1", "step", step, "totalSteps", 300,
                    "loss", 2.4 * Math.exp(-step / 60.0) + 0.35, "learningRate", 2e-4));
            if (step % 40 == 0) {
                progress.put("evalLoss", 2.2 * Math.exp(-step / 70.0) + 0.5);
            }
            post("/api/worker/trainings/" + run + "/heartbeat", progress, WORKER_TOKEN);
        }

        try (Browser browser = Browser.open("trainings", "http://localhost:" + port)) {
            signIn(browser).go("/#trainings");
            WebElement row = browser.find("#trainings-table tr[data-id='" + run + "']");
            assertThat(row.getText()).contains("running", "Qwen/Qwen2.5-0.5B-Instruct", "120 / 300");
            browser.screenshot("1-list");

            row.findElement(By.tagName("a")).click();
            browser.find("#loss-chart");
            assertThat(browser.all("#loss-chart .series.loss circle")).hasSize(12);
            assertThat(browser.all("#loss-chart .series.evalLoss circle")).hasSize(3);
            assertThat(browser.find("[data-fact=step] dd").getText()).isEqualTo("120 / 300");
            browser.screenshot("2-loss-curve");

            browser.find("#training-detail button.danger").click();
            browser.findText("#training-detail", "Cancel\nrequested");
            browser.screenshot("3-cancel-requested");
        }
    }

    /** A run whose contexts did not all fit its model's window says so beside its recall: the ceiling is not all it could be. */
    @Test
    void aRunSaysWhenItsCeilingWasCutToTheModelsWindow() {
        io.qaforge.training.TrainingFixtures.endOpenRuns(jdbc);
        UUID job = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, 'SUCCEEDED', 'openai', 'gpt-4o-mini', 'Touch rugby rules', '{}', '{}')""", job);
        String run = post("/api/trainings", Map.of("jobId", job, "baseModel", "HuggingFaceTB/SmolLM2-135M-Instruct"), TOKEN).at("/id").asString();
        assertThat(post("/api/worker/trainings/claim", Map.of("workerId", "gpu-1"), WORKER_TOKEN).at("/id").asString()).isEqualTo(run);
        post("/api/worker/trainings/" + run + "/complete", Map.of("workerId", "gpu-1", "results", List.of(), "recall", Map.of(
                "before", Map.of("questions", 8, "keyFacts", 0.125),
                "inContext", Map.of("questions", 7, "keyFacts", 0.75,
                        "contexts", Map.of("window", 2048, "answerTokens", 128, "cut", 5, "dropped", 1)),
                "after", Map.of("questions", 8, "keyFacts", 0.5))), WORKER_TOKEN);

        try (Browser browser = signIn(Browser.open("contexts", "http://localhost:" + port))) {
            browser.go("/#trainings/" + run);
            assertThat(browser.findText("#contexts", "2,048-token window").getText())
                    .contains("less 128 for the answer", "5 questions asked on the best retrieved passages that fit",
                            "1 question without a ceiling (the text does not fit)");
        }
    }

    @Test
    void everyViewMountsAndUnmountsWithoutLeaks() throws IOException {
        String document = upload(http, "views.pdf", rulebook(2));
        // A job no engine here claims (no provider has that name): it stays queued, so its views follow it live.
        UUID job = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, 'QUEUED', 'unclaimed', 'none', 'Waiting for its provider', '{}', '{}')""", job);
        String run = post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct"), TOKEN).at("/id").asString();
        try (Browser browser = Browser.open("views", "http://localhost:" + port)) {
            browser.beforeEveryPage(PROBE);
            browser.beforeEveryPage("localStorage.setItem('qaforge.apiToken', '" + TOKEN + "')");
            browser.go("/");
            browser.find("#documents-table tr[data-id='" + document + "']");
            assertThat(browser.find("#tabs a.active").getText()).isEqualTo("Documents");
            leave(browser);

            browser.go("/#documents/" + document);
            browser.findText("#document-detail .chunks", "Chunk 1");
            leave(browser);

            browser.go("/#jobs");
            browser.find("#jobs-table tr[data-id='" + job + "']");
            browser.find("#new-job summary").click();
            browser.find("#job-form");
            browser.waitUntil(d -> count(browser, "timers") > 0);   // polling while the job waits
            leave(browser);

            browser.go("/#jobs/" + job);
            browser.find("#job-detail .live");
            browser.find("#pairs");
            browser.waitUntil(d -> count(browser, "streams") > 0);  // the job's event stream
            browser.screenshot("5-job-live");
            leave(browser);

            browser.go("/#trainings");
            browser.find("#trainings-table tr[data-id='" + run + "']");
            leave(browser);

            browser.go("/#trainings/" + run);
            browser.find("#training-detail h2");
            browser.waitUntil(d -> count(browser, "timers") > 0);   // polling while the run is queued
            leave(browser);

            browser.go("/#no-such-view");
            assertThat(browser.find("#tabs a.active").getText()).as("an unknown address shows the documents").isEqualTo("Documents");
            browser.find("#documents-table");

            assertThat((List<?>) browser.script("return window.probe.errors")).isEmpty();
            assertThat(browser.consoleErrors()).isEmpty();
        } finally {
            post("/api/jobs/" + job + "/cancel", Map.of(), TOKEN);
        }
    }

    /**
     * Leaves the view shown for the documents list, which follows nothing live: the old view's timers are gone at once
     * (leaving aborts its signal, which clears them), and its open responses (an event stream) close soon after.
     */
    private static void leave(Browser browser) {
        browser.go("/#documents");
        browser.find("#documents-table");
        assertThat((List<?>) browser.script("return [...window.probe.timers]")).as("timers left running").isEmpty();
        try {
            browser.waitUntil(d -> count(browser, "streams") == 0);
        } catch (TimeoutException e) {
            assertThat((List<?>) browser.script("return [...window.probe.streams]")).as("responses left open").isEmpty();
        }
    }

    /** A file of hand-written pairs uploaded as a dataset, its rows seen, and a run started on it with the rows weighted. */
    @Test
    void uploadsHandWrittenPairsAsADatasetShowsItsRowsAndTrainsOnThemWeighted() throws IOException {
        Path pairs = Files.writeString(temp.resolve("club-faq.csv"), "question,answer,split\nHow long is a half?,Twenty minutes.,train\n"
                + "Who founded the club?,Anna Berg.,train\nWhat colour is the ball?,Orange.,test\n");
        try (Browser browser = signIn(Browser.open("datasets", "http://localhost:" + port))) {
            browser.go("/#datasets");
            browser.find("#dataset-upload input[type=file]").sendKeys(pairs.toString());
            browser.find("#dataset-upload button").click();
            browser.findText("#dataset-upload-result .notice", "3 hand-written pairs");
            browser.findText("#datasets-table", "club-faq");
            browser.screenshot("1-uploaded");

            browser.find("#dataset-upload-result a").click();
            browser.findText("#dataset-pairs", "Who founded the club?");
            assertThat(browser.find("#dataset-detail [data-fact=hand-written] dd").getText()).isEqualTo("2 train · 1 test");
            String dataset = browser.driver.getCurrentUrl().replaceAll(".*#datasets/", "");
            browser.screenshot("2-rows");
            browser.findText("#dataset-detail button", "Download it flat").click();
            assertThat(Files.readString(browser.awaitDownload(".csv"))).contains("Who founded the club?,Anna Berg.,,hand-written");

            browser.go("/#trainings");
            browser.find("#new-training summary").click();
            WebElement form = browser.find("#training-form");
            browser.find("#training-form select[name=source] option[value='dataset:" + dataset + "']");
            new org.openqa.selenium.support.ui.Select(form.findElement(By.name("source"))).selectByValue("dataset:" + dataset);
            form.findElement(By.name("baseModel")).sendKeys("Qwen/Qwen2.5-0.5B-Instruct");
            WebElement repeat = form.findElement(By.name("handWrittenRepeat"));
            repeat.clear();
            repeat.sendKeys("12");
            browser.find("#start-training").click();
            browser.waitUntil(d -> d.getCurrentUrl().matches(".*#trainings/[0-9a-f-]{36}$"));
            JsonNode run = api("/api/trainings/" + browser.driver.getCurrentUrl().replaceAll(".*#trainings/", ""));
            assertThat(run.get("datasetId").asString()).isEqualTo(dataset);
            assertThat(run.get("handWrittenRepeat").asInt()).isEqualTo(12);
            // cancelled, so that no other test's worker claims it instead of its own run
            post("/api/trainings/" + run.get("id").asString() + "/cancel", Map.of(), TOKEN);
            assertThat(browser.consoleErrors()).as("signing in on /actuator/health asked for a favicon; nothing else failed")
                    .allMatch(error -> error.contains("favicon.ico"));
        }
    }

    private static long count(Browser browser, String what) {
        return (Long) browser.script("return window.probe." + what + ".size");
    }

    /** Stores the API token as the token field does, so the page sends it from its first call. */
    private Browser signIn(Browser browser) {
        browser.go("/actuator/health");
        browser.script("localStorage.setItem('qaforge.apiToken', arguments[0])", TOKEN);
        return browser;
    }

    /** A rulebook of {@code pages} pages, 36 numbered facts each, in the "Fact N." form the fake provider keys on. */
    static byte[] rulebook(int pages) throws IOException {
        List<TestPdfs.Page> book = new ArrayList<>();
        int fact = 1;
        for (int p = 0; p < pages; p++) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 36; i++, fact++) {
                lines.add("Fact " + fact + ". A team of six restarts play within " + (fact % 7 + 3) + " seconds, "
                        + (fact % 5 + 5) + " metres back from the mark.");
                if (i % 6 == 5) {
                    lines.add("");
                }
            }
            book.add(new TestPdfs.Page(lines));
        }
        return TestPdfs.book(book);
    }

    private static String resource(String name) {
        try (InputStream in = ConsoleTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode api(String path) {
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(bearer(TOKEN)), JsonNode.class).getBody();
    }

    private JsonNode post(String path, Object body, String token) {
        ResponseEntity<JsonNode> response = http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, bearer(token)), JsonNode.class);
        assertThat(response.getStatusCode().is2xxSuccessful()).as(path + " " + response.getBody()).isTrue();
        return response.getBody();
    }

    /** Uploads a PDF through the API and answers its id. */
    static String upload(TestRestTemplate http, String name, byte[] pdf) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(pdf) {
            @Override
            public String getFilename() {
                return name;
            }
        });
        var headers = bearer(TOKEN);
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForObject("/api/documents", new HttpEntity<>(body, headers), JsonNode.class).get("id").asString();
    }

    static HttpHeaders bearer(String token) {
        var headers = new HttpHeaders();
        headers.setBearerAuth(token);
        return headers;
    }
}
