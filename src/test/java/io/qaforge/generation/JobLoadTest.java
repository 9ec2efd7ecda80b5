package io.qaforge.generation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

import io.qaforge.generation.job.JobEvents;

import static io.qaforge.generation.GenerationFixtures.JSON;
import static io.qaforge.generation.GenerationFixtures.awaitEnd;
import static io.qaforge.generation.GenerationFixtures.createJob;
import static io.qaforge.generation.GenerationFixtures.job;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many readers of a running job at once, on the default pool of 20 connections: every view and every event stream is
 * answered, no request waits past the pool's (shortened) connection timeout, and the engine keeps claiming meanwhile.
 * Views once ran a query inside another's row mapper, so 20 concurrent views held the whole pool and waited for more.
 */
@GenerationTest
@TestPropertySource(properties = {
        // Contexts share the test database, and an engine claims every job of a provider it knows: this one must not
        // take the openai jobs of GenerationJobTest (it would call the real, unreachable endpoint and fail them).
        "qaforge.generation.providers.openai.base-url=",
        "qaforge.generation.providers.loaded.max-concurrency=4",
        "qaforge.generation.events.max-open=300",
        "qaforge.generation.events.keep-alive=200ms",
        "spring.datasource.hikari.maximum-pool-size=20",
        "spring.datasource.hikari.connection-timeout=5000",
        "qaforge.generation.providers.loaded.base-url=${fake-openai.base-url}",
})
class JobLoadTest {

    static final int VIEWS = 100;
    static final int STREAMS = 300;

    @Autowired
    FakeOpenAi fake;
    @Autowired
    TestRestTemplate http;
    @Autowired
    JobEvents events;
    @LocalServerPort
    int port;

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aHundredViewsAndThreeHundredStreamsOfARunningJobAreAllAnsweredWhileItRuns() throws Exception {
        fake.latencyMillis = 100;
        UUID document = GenerationFixtures.upload(http, "loaded.txt", GenerationFixtures.document("underwater hockey", 12));
        UUID id = createJob(http, Map.of("documentIds", List.of(document), "context", "Underwater hockey rules",
                "provider", "loaded", "model", "any", "temperatures", Map.of("count", 30), "questionsPerChunk", 3,
                "strategy", "recipe"));
        await().atMost(Duration.ofSeconds(10)).until(() -> job(http, id).at("/tasks/done").asInt() > 0);

        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> views = new ArrayList<>();
            for (int i = 0; i < VIEWS; i++) {
                views.add(threads.submit(() -> client.send(get("/api/jobs/" + id), HttpResponse.BodyHandlers.ofString())));
            }
            for (Future<HttpResponse<String>> view : views) {
                HttpResponse<String> response = view.get();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                assertThat(JSON.readTree(response.body()).get("id").asString()).isEqualTo(id.toString());
            }

            int doneBefore = job(http, id).at("/tasks/done").asInt();
            List<Future<InputStream>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.add(threads.submit(() -> firstEvent(id)));
            }
            List<InputStream> open = new ArrayList<>();
            for (Future<InputStream> stream : streams) {
                open.add(stream.get());
            }
            assertThat(events.openStreams()).isEqualTo(STREAMS);
            assertThat(events.watched()).as("one feed for all streams of the job").containsExactly(id);

            HttpResponse<String> refused = client.send(get("/api/jobs/" + id + "/events"), HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(JSON.readTree(refused.body()).get("type").asString()).isEqualTo("/problems/too-many-event-streams");
            assertThat(JSON.readTree(refused.body()).get("detail").asString()).contains("300");

            await("the engine to keep claiming while the streams are open").atMost(Duration.ofSeconds(20))
                    .until(() -> job(http, id).at("/tasks/done").asInt() > doneBefore + 8);

            for (InputStream stream : open) {
                stream.close();
            }
            await("the streams of clients that left to close, and the job's polling with them").atMost(Duration.ofSeconds(15))
                    .until(() -> events.openStreams() == 0 && events.watched().isEmpty());
        }

        HttpResponse<String> again = client.send(get("/api/jobs/" + id + "/events"), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).as("streams are free again; this one follows the job to its end").isEqualTo(200);
        assertThat(again.body()).contains("event:job").contains("\"status\":\"SUCCEEDED\"");
        assertThat(awaitEnd(http, id, Duration.ofSeconds(30)).at("/tasks/done").asInt()).isEqualTo(360);
    }

    /** Opens the job's event stream and reads up to its first event; the stream stays open for the caller to close. */
    private InputStream firstEvent(UUID id) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = client.send(get("/api/jobs/" + id + "/events"), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        var lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null && !line.startsWith("data:")) {
            // event:job, then its data
        }
        JsonNode view = JSON.readTree(line.substring("data:".length()));
        assertThat(view.get("id").asString()).isEqualTo(id.toString());
        return response.body();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(30)).build();
    }
}
