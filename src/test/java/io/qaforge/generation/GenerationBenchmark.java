package io.qaforge.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.qaforge.QaforgeApplication;

import static org.awaitility.Awaitility.await;

/**
 * Throughput of the engine against a simulated provider with latency L and a limit of R requests/min that answers 429
 * past it and announces R in its {@code x-ratelimit-*} headers, as OpenAI does. Not a test (tagged benchmark, which
 * Surefire leaves out): run it with bench/generation.sh. Every run but the baseline uses the default configuration: nothing
 * tells the service R, the concurrency or the latency. Prints achieved requests/s over the provider's limit, the share
 * of calls answered 429 and lost tasks, beside the sequential loop of the reference scripts (one call at a time) from
 * the same run. Also: two replicas sharing one provider (one of them stopping halfway), faults, and a self-hosted
 * server (vLLM-like: it announces nothing, serves a fixed number of calls at once and queues the rest).
 */
@Tag("benchmark")
class GenerationBenchmark {

    /** Seconds of calls each run aims at, at the provider's limit. */
    static final int SECONDS = env("BENCH_SECONDS", 60);
    static final int FAULT_PERCENT = env("BENCH_FAULT_PERCENT", 20);
    /** Runs whose name matches (all by default). */
    static final Pattern ONLY = Pattern.compile(System.getenv().getOrDefault("BENCH_ONLY", ".*"));
    static final int TEMPERATURES = 8;

    /** @param window seconds from the first request to the last, the span over which the request rate is measured */
    record Result(String name, int tasks, int calls, int rateLimited, int faults, double seconds, double window, int done,
                  int lost, double ideal, String extra) {
        double requestsPerSecond() {
            return (calls - rateLimited - 1) / window;
        }

        String line(Result baseline) {
            return String.format("bench %-28s tasks=%d done=%d lost=%d calls=%d 429=%d (%.2f%%) faults=%d time=%.1fs "
                            + "(requests over %.1fs) requests/s=%.2f limit=%.2f ratio=%.3f%s%s",
                    name, tasks, done, lost, calls, rateLimited, 100.0 * rateLimited / Math.max(1, calls), faults, seconds,
                    window, requestsPerSecond(), ideal, requestsPerSecond() / ideal,
                    baseline == null ? "" : String.format(" x-baseline=%.1f", requestsPerSecond() / baseline.requestsPerSecond()), extra);
        }
    }

    /** A simulated provider and the job sent to it. */
    record Scenario(String name, int latencyMillis, int requestsPerMinute, int capacity, int replicas, int faultPercent,
                    List<String> settings) {
        /** The most the provider can serve, requests/s. */
        double limit() {
            return requestsPerMinute > 0 ? requestsPerMinute / 60.0 : capacity * 1000.0 / latencyMillis;
        }

        int chunks() {
            return (int) Math.max(4, Math.round(limit() * SECONDS / TEMPERATURES / (1 - faultPercent / 100.0)));
        }
    }

    @Test
    void run() throws Exception {
        List<Scenario> scenarios = List.of(
                new Scenario("sequential-baseline", 100, 3000, 0, 1, 0, List.of("max-concurrency=1")),
                new Scenario("default 100ms 600/min", 100, 600, 0, 1, 0, List.of()),
                new Scenario("default 100ms 3000/min", 100, 3000, 0, 1, 0, List.of()),
                new Scenario("default 2s 600/min", 2000, 600, 0, 1, 0, List.of()),
                new Scenario("default 2s 3000/min", 2000, 3000, 0, 1, 0, List.of()),
                new Scenario("default 100ms 3000/min +" + FAULT_PERCENT + "%faults", 100, 3000, 0, 1, FAULT_PERCENT, List.of()),
                new Scenario("two-replicas 100ms 3000/min", 100, 3000, 0, 2, 0, List.of()),
                new Scenario("two-replicas 2s 600/min", 2000, 600, 0, 2, 0, List.of()),
                new Scenario("self-hosted 1s 32-at-once", 1000, 0, 32, 1, 0, List.of()));
        List<String> lines = new ArrayList<>();
        Result baseline = null;
        try (FakeOpenAi fake = new FakeOpenAi()) {
            for (Scenario scenario : scenarios) {
                if (!ONLY.matcher(scenario.name()).find() && !scenario.name().equals("sequential-baseline")) {
                    continue;
                }
                Result result = scenario(fake, scenario);
                baseline = baseline == null ? result : baseline;
                lines.add(result.line(result == baseline ? null : baseline));
                System.out.println(lines.getLast());
            }
        }
        System.out.println("bench ----");
        lines.forEach(System.out::println);
    }

    private Result scenario(FakeOpenAi fake, Scenario scenario) throws Exception {
        fake.reset();
        fake.latencyMillis = scenario.latencyMillis();
        fake.limitRequests(scenario.requestsPerMinute());
        fake.capacity(scenario.capacity());
        Random random = new Random(42);
        int[] faults = {0};
        if (scenario.faultPercent() > 0) {
            fake.script = call -> {
                synchronized (random) {
                    if (random.nextInt(100) < scenario.faultPercent()) {
                        faults[0]++;
                        return FakeOpenAi.Reply.status(500, Map.of(), "{\"error\":{\"message\":\"injected fault\"}}");
                    }
                }
                return null;
            };
        }
        // A sequential run at a limit it can never reach: size it by what one call at a time does.
        int chunks = scenario.settings().contains("max-concurrency=1")
                ? (int) Math.round(SECONDS / 2.0 * 1000 / scenario.latencyMillis() / TEMPERATURES) : scenario.chunks();
        List<ConfigurableApplicationContext> replicas = new ArrayList<>();
        try {
            for (int i = 0; i < scenario.replicas(); i++) {
                replicas.add(replica(fake, scenario.settings()));
            }
            var http = http(replicas.getFirst());
            UUID document = GenerationFixtures.upload(http, "bench.txt", GenerationFixtures.document("benchmark sport", chunks));
            Map<String, Object> request = new HashMap<>();
            request.put("documentIds", List.of(document));
            request.put("context", "Benchmark sport rules");
            request.put("provider", "bench");
            request.put("model", "bench-model");
            request.put("strategy", "recipe");
            request.put("temperatures", Map.of("count", TEMPERATURES));
            request.put("questionsPerChunk", 8);
            long start = System.nanoTime();
            UUID job = GenerationFixtures.createJob(http, request);
            String extra = "";
            if (scenario.replicas() > 1) {
                // Halfway one replica stops: the other must take the whole budget, not stay at its half.
                JdbcClient db = replicas.getFirst().getBean(JdbcClient.class);
                int half = chunks * TEMPERATURES / 2;
                await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(100)).until(() -> done(db, job) >= half);
                replicas.removeLast().close();
                int stoppedAt = fake.calls.size();
                JsonNode view = GenerationFixtures.awaitEnd(http, job, Duration.ofMinutes(30));
                List<FakeOpenAi.Call> both = fake.calls.subList(0, stoppedAt), one = fake.calls.subList(stoppedAt, fake.calls.size());
                extra = String.format(" requests/s-two=%.2f requests/s-one-after-stop=%.2f", rate(both), rate(one));
                return result(fake, scenario, replicas.getFirst(), job, view, start, faults[0], extra);
            }
            JsonNode view = GenerationFixtures.awaitEnd(http, job, Duration.ofMinutes(30));
            if (scenario.capacity() > 0) {
                extra = String.format(" mean-latency=%.0fms (%dms unqueued, %d served at once)",
                        fake.answerNanos.sum() / 1e6 / Math.max(1, fake.calls.size()), scenario.latencyMillis(), scenario.capacity());
            }
            return result(fake, scenario, replicas.getFirst(), job, view, start, faults[0], extra);
        } finally {
            replicas.forEach(ConfigurableApplicationContext::close);
        }
    }

    private static Result result(FakeOpenAi fake, Scenario scenario, ConfigurableApplicationContext context, UUID job,
                                 JsonNode view, long start, int faults, String extra) {
        double seconds = (System.nanoTime() - start) / 1e9;
        JdbcClient db = context.getBean(JdbcClient.class);
        int tasks = view.at("/tasks/total").asInt();
        int done = view.at("/tasks/done").asInt();
        // Lost: not done, or done with other than the 8 pairs the fake answered (a lost or doubled write).
        int wrong = db.sql("""
                        SELECT count(*) FROM task t WHERE t.job_id = ?
                          AND (t.status <> 'DONE' OR (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> 8)""")
                .param(job).query(Integer.class).single();
        List<FakeOpenAi.Call> calls = fake.calls;
        double window = (calls.getLast().atNanos() - calls.getFirst().atNanos()) / 1e9;
        return new Result(scenario.name(), tasks, calls.size(), fake.rateLimited.get(), faults, seconds, window, done, wrong,
                scenario.limit(), extra);
    }

    /** Requests per second over a stretch of calls (429s included: with none, the accepted rate). */
    private static double rate(List<FakeOpenAi.Call> calls) {
        return calls.size() < 2 ? 0 : (calls.size() - 1) / ((calls.getLast().atNanos() - calls.getFirst().atNanos()) / 1e9);
    }

    private static int done(JdbcClient db, UUID job) {
        return db.sql("SELECT count(*) FROM task WHERE job_id = ? AND status = 'DONE'").param(job).query(Integer.class).single();
    }

    private static ConfigurableApplicationContext replica(FakeOpenAi fake, List<String> settings) {
        List<String> args = new ArrayList<>(List.of(
                "--server.port=0",
                "--logging.level.io.qaforge=WARN",
                "--qaforge.documents.chunk-target-tokens=100",
                "--qaforge.documents.chunk-max-tokens=150",
                "--qaforge.generation.poll-interval=100ms",
                "--qaforge.generation.backoff=200ms",
                "--qaforge.generation.max-attempts=10",
                "--qaforge.generation.providers.bench.base-url=" + fake.baseUrl()));
        settings.forEach(setting -> args.add("--qaforge.generation.providers.bench." + setting));
        return new SpringApplicationBuilder(QaforgeApplication.class).run(args.toArray(String[]::new));
    }

    private static TestRestTemplate http(ConfigurableApplicationContext context) {
        return new TestRestTemplate(new RestTemplateBuilder()
                .baseUri("http://localhost:" + context.getEnvironment().getProperty("local.server.port")));
    }

    private static int env(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value);
    }
}
