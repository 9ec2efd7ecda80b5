package io.qaforge.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.context.ConfigurableApplicationContext;

import io.qaforge.Replicas;

import static io.qaforge.Replicas.db;
import static io.qaforge.Replicas.http;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The provider's limits as whole replicas live with them: learned from its headers, one budget for every replica, and
 * leases kept while calls run. Timings are asserted only as lower bounds (calls never go faster than the limit allows),
 * which a slow machine cannot break; the throughput targets live in GenerationBenchmark.
 */
class ProviderLimitsTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final int QUESTIONS = 2;

    @RegisterExtension
    final Replicas replicas = new Replicas(
            "--qaforge.documents.chunk-target-tokens=100",
            "--qaforge.documents.chunk-max-tokens=150",
            "--qaforge.generation.poll-interval=50ms",
            "--qaforge.generation.backoff=50ms");

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset();
    }

    /** A replica with the default provider settings plus {@code settings}; each test its own provider, so its own budget. */
    ConfigurableApplicationContext replica(String provider, String... settings) {
        List<String> args = new ArrayList<>(List.of(settings));
        args.addFirst("--qaforge.generation.providers." + provider + ".base-url=" + fake.baseUrl());
        return replicas.start(args.toArray(String[]::new));
    }

    static UUID createJob(TestRestTemplate http, String provider, int facts, int temperatures) {
        UUID document = GenerationFixtures.upload(http, provider + ".txt", GenerationFixtures.document("beach " + provider, facts));
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Beach " + provider + " rules");
        request.put("provider", provider);
        request.put("model", "any-model");
        request.put("temperatures", Map.of("count", temperatures));
        request.put("strategy", "recipe"); // one call per chunk and temperature: the counts below
        request.put("questionsPerChunk", QUESTIONS);
        return GenerationFixtures.createJob(http, request);
    }

    /** Seconds from the first call the fake saw to the last. */
    static double span() {
        return (fake.calls.getLast().atNanos() - fake.calls.getFirst().atNanos()) / 1e9;
    }

    @Test
    void theLimitTheProviderAnnouncesPacesCallsThatNothingConfigured() throws Exception {
        // 600 requests/min announced (a second's worth, 10, tolerated at once); nothing configured: no limit of ours.
        fake.limitRequests(600);
        fake.latencyMillis = 20;
        ConfigurableApplicationContext replica = replica("announcing");
        UUID job = createJob(http(replica), "announcing", 12, 4);
        JsonNode view = GenerationFixtures.awaitEnd(http(replica), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).hasSize(48);
        assertThat(fake.rateLimited.get()).as("no call over the announced limit").isZero();
        // Unpaced, 8 calls at a time of 20 ms would take a fraction of a second (and earn 429s); at 10/s, after the
        // first 8 and a quarter second's burst, the other 38 take at least 3.5 s.
        assertThat(span()).isGreaterThan(3.5);
    }

    @Test
    void twoReplicasShareOneBudget() throws Exception {
        // 240 requests/min: 4 a second for both replicas together, each of which knows the limit from the start.
        fake.limitRequests(240);
        fake.latencyMillis = 20;
        ConfigurableApplicationContext a = replica("shared", "--qaforge.generation.providers.shared.requests-per-minute=240");
        ConfigurableApplicationContext b = replica("shared", "--qaforge.generation.providers.shared.requests-per-minute=240");
        UUID job = createJob(http(a), "shared", 12, 3);
        JsonNode view = GenerationFixtures.awaitEnd(http(b), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.calls).hasSize(36);
        assertThat(fake.rateLimited.get()).as("two budgets of 240/min would earn 429s").isZero();
        // Two budgets would take 36 calls in half the time; one takes at least (36 - 2 at once) / 4 per second.
        assertThat(span()).isGreaterThan(8);
        assertThat(db(a).sql("SELECT count(DISTINCT leased_by) FROM task WHERE job_id = ?")
                .param(job).query(Integer.class).single()).as("both replicas did work").isEqualTo(2);
    }

    @Test
    void aCallLongerThanTheLeaseKeepsItsTask() throws Exception {
        // One call takes 4 s; the lease is 1.5 s: without renewals its task would be claimed (and called) again.
        fake.script = call -> call.fact() == 1 ? FakeOpenAi.ok(FakeOpenAi.linePairs(call), "stop", call).delayed(4000) : null;
        ConfigurableApplicationContext replica = replica("slow", "--qaforge.generation.lease=1500ms",
                "--qaforge.generation.providers.slow.timeout=20s");
        UUID job = createJob(http(replica), "slow", 3, 1);
        JsonNode view = GenerationFixtures.awaitEnd(http(replica), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(fake.callsFor(1)).as("called once: its lease was renewed while the call ran").hasSize(1);
        assertThat(db(replica).sql("SELECT max(attempts) FROM task WHERE job_id = ?").param(job)
                .query(Integer.class).single()).isEqualTo(1);
    }
}
