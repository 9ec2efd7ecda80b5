package io.qaforge.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.generation.FakeOpenAi;
import io.qaforge.hub.FakeHub;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console as ES modules against the real service: what it offers comes from {@code GET /api/console/settings} and
 * the API accepts every bit of it; every view mounts without an error and leaves no timer or stream behind when left.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // A provider name of its own: the other test contexts' engines, on the same database, claim only theirs.
        "qaforge.security.api-token=" + ConsoleTest.TOKEN,
        "qaforge.generation.poll-interval=50ms",
        "qaforge.generation.providers.modulesfake.api-key=test-key",
        "qaforge.generation.providers.modulesfake.max-concurrency=1",
        "qaforge.generation.providers.modulesfake.timeout=10s",
        "qaforge.generation.providers.modulesfake.prices.fake-model.input-per-million=1.0",
        "qaforge.generation.providers.modulesfake.prices.fake-model.output-per-million=2.0",
        "qaforge.hub.token=",
        "qaforge.hub.initial-backoff=10ms",
})
class ConsoleModulesTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final FakeHub hub = startHub();

    @DynamicPropertySource
    static void fakes(DynamicPropertyRegistry registry) {
        registry.add("qaforge.generation.providers.modulesfake.base-url", fake::baseUrl);
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

    @BeforeEach
    void answerQuickly() {
        fake.latencyMillis = 0;
    }

    @Test
    void settingsGatherWhatEachFeaturePublishes() {
        assertThat(http.getForEntity("/api/console/settings", String.class).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);

        JsonNode settings = get("/api/console/settings").getBody();
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
        assertThat(texts(jobs.get("terminalStatuses"))).contains("SUCCEEDED", "CANCELLED").doesNotContain("QUEUED", "RUNNING");
        assertThat(texts(settings.at("/trainings/terminalStatuses"))).contains("SUCCEEDED", "FAILED", "CANCELLED")
                .doesNotContain("QUEUED", "RUNNING");
        // Only providers a job can use now: runpod has neither key nor endpoint here.
        assertThat(jobs.get("providers").findValuesAsText("name")).contains("modulesfake").doesNotContain("runpod");
        JsonNode model = jobs.get("providers").findParents("name").stream()
                .filter(p -> p.get("name").asText().equals("fake-model")).findFirst().orElseThrow();
        assertThat(model.get("inputPerMillion").decimalValue()).isEqualByComparingTo("1.0");
        assertThat(model.get("outputPerMillion").decimalValue()).isEqualByComparingTo("2.0");
    }

    /** Reads every choice the console's forms offer and hands each one to the API: none may be refused. */
    @Test
    void offersOnlyWhatTheServiceAccepts() throws IOException {
        String document = upload();
        String job = startJob(document, 1);
        try (Browser browser = signedIn("offers")) {
            browser.go("/#jobs/" + job);
            browser.findText("#job-detail h2", "succeeded");
            browser.screenshot("1-job");

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
            assertThat(providers).contains("modulesfake");
            for (String provider : providers) {
                WebElement field = form.findElement(By.name("provider"));
                field.clear();
                field.sendKeys(provider);
                List<String> models = values(browser, "#models option");
                assertThat(models).as("models offered for %s", provider).isNotEmpty();
                for (String model : models) {
                    var request = Map.of("documentIds", List.of(document), "context", "x".repeat(contextMaxLength),
                            "provider", provider, "model", model, "variants", variants, "chunkLimit", 1,
                            "temperatures", Map.of("count", maxCount, "min", min, "max", max));
                    ResponseEntity<JsonNode> estimate = post("/api/jobs/estimate", request);
                    assertThat(estimate.getStatusCode()).as("estimate with %s %s: %s", provider, model, estimate.getBody())
                            .isEqualTo(HttpStatus.OK);
                    assertThat(estimate.getBody().at("/estimate/requests").asInt()).isEqualTo(maxCount * variants.size());
                }
            }
            // The form's cap is the service's, not a stricter copy: one more is refused.
            var tooMany = Map.of("documentIds", List.of(document), "context", "Rules.", "provider", "modulesfake",
                    "model", "fake-model", "temperatures", Map.of("count", maxCount + 1));
            assertThat(post("/api/jobs/estimate", tooMany).getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
            browser.screenshot("2-form");
            assertThat(browser.consoleErrors()).isEmpty();
        }
    }

    @Test
    void everyViewMountsAndUnmountsWithoutLeaks() throws IOException {
        String document = upload();
        // Slow answers keep the job running while the test looks at it.
        fake.latencyMillis = 2_000;
        String job = startJob(document, 9);
        String run = post("/api/trainings", Map.of("jobId", job, "baseModel", "Qwen/Qwen2.5-0.5B-Instruct")).getBody().get("id").asText();
        try (Browser browser = Browser.open("modules", "http://localhost:" + port)) {
            browser.beforeEveryPage(probeScript());
            signIn(browser);

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
            browser.waitUntil(d -> count(browser, "timers") > 0);   // polling while the job runs
            leave(browser);

            browser.go("/#jobs/" + job);
            browser.find("#job-detail .live");
            browser.waitUntil(d -> count(browser, "streams") > 0);  // the job's event stream
            browser.find("#pairs");
            browser.screenshot("1-job-live");
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
            http.exchange("/api/jobs/" + job + "/cancel", HttpMethod.POST, new HttpEntity<>(bearer()), String.class);
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

    private static long count(Browser browser, String what) {
        return (Long) browser.script("return window.probe." + what + ".size");
    }

    private static String probeScript() {
        try (InputStream in = ConsoleModulesTest.class.getResourceAsStream("probe.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private Browser signedIn(String test) {
        return signIn(Browser.open(test, "http://localhost:" + port));
    }

    /** Stores the API token as the token field does before the console opens, so it sends the token from its first call. */
    private static Browser signIn(Browser browser) {
        browser.beforeEveryPage("localStorage.setItem('qaforge.apiToken', '" + ConsoleTest.TOKEN + "')");
        return browser.go("/");
    }

    /** Uploads a two-page PDF through the API and answers its id. */
    private String upload() throws IOException {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(ConsoleTest.rulebook(2)) {
            @Override
            public String getFilename() {
                return "modules-rules.pdf";
            }
        });
        var headers = bearer();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForObject("/api/documents", new HttpEntity<>(body, headers), JsonNode.class).get("id").asText();
    }

    /** Starts a job on the document's first two chunks at this many temperatures, and answers its id. */
    private String startJob(String document, int temperatures) {
        ResponseEntity<JsonNode> created = post("/api/jobs", Map.of("documentIds", List.of(document), "context", "Touch rugby rules.",
                "provider", "modulesfake", "model", "fake-model", "temperatures", Map.of("count", temperatures), "chunkLimit", 2));
        assertThat(created.getStatusCode()).as("%s", created.getBody()).isEqualTo(HttpStatus.CREATED);
        return created.getBody().get("id").asText();
    }

    private ResponseEntity<JsonNode> get(String path) {
        return get(path, JsonNode.class);
    }

    private <T> ResponseEntity<T> get(String path, Class<T> type) {
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(bearer()), type);
    }

    private ResponseEntity<JsonNode> post(String path, Object body) {
        return http.exchange(path, HttpMethod.POST, new HttpEntity<>(body, bearer()), JsonNode.class);
    }

    private static HttpHeaders bearer() {
        var headers = new HttpHeaders();
        headers.setBearerAuth(ConsoleTest.TOKEN);
        return headers;
    }
}
