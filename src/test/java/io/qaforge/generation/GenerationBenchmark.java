package io.qaforge.generation;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.qaforge.QaforgeApplication;

/**
 * Throughput of the engine against a simulated provider with fixed latency L and a limit of R requests/min that
 * answers 429 past it. Not a test (its name escapes Surefire's patterns): run it with bench/generation.sh.
 * Prints achieved requests/s over the ideal min(R/60, concurrency/L), the share of calls answered 429, lost tasks,
 * and the same job at concurrency 1 (the reference scripts' sequential loop) as the baseline; then again with faults.
 */
class GenerationBenchmark {

    static final int FACTS = env("BENCH_CHUNKS", 250);
    static final int TEMPERATURES = env("BENCH_TEMPERATURES", 8);
    static final int RPM = env("BENCH_RPM", 3000);
    static final int LATENCY_MS = env("BENCH_LATENCY_MS", 100);
    static final int CONCURRENCY = env("BENCH_CONCURRENCY", 8);
    static final int FAULT_PERCENT = env("BENCH_FAULT_PERCENT", 20);

    /** @param window seconds from the first request to the last, the span over which the request rate is measured */
    record Result(String name, int tasks, int calls, int rateLimited, int faults, double seconds, double window, int done,
                  int lost, double ideal) {
        double requestsPerSecond() {
            return (calls - rateLimited - 1) / window;
        }

        void print() {
            System.out.printf("bench %-22s tasks=%d done=%d lost=%d calls=%d 429=%d (%.2f%%) faults=%d time=%.1fs "
                            + "(requests over %.1fs) requests/s=%.2f ideal=%.2f ratio=%.3f tasks/s=%.2f%n",
                    name, tasks, done, lost, calls, rateLimited, 100.0 * rateLimited / Math.max(1, calls), faults, seconds,
                    window, requestsPerSecond(), ideal, requestsPerSecond() / ideal, done / seconds);
        }
    }

    @Test
    void run() throws Exception {
        System.out.printf("bench provider: latency=%dms limit=%d requests/min concurrency=%d; job: %d chunks x %d temperatures%n",
                LATENCY_MS, RPM, CONCURRENCY, FACTS, TEMPERATURES);
        try (FakeOpenAi fake = new FakeOpenAi()) {
            Result parallel = scenario(fake, "concurrent", CONCURRENCY, 0);
            Result sequential = scenario(fake, "sequential-baseline", 1, 0);
            Result faulty = scenario(fake, "concurrent+" + FAULT_PERCENT + "%faults", CONCURRENCY, FAULT_PERCENT);
            System.out.println("bench ----");
            parallel.print();
            sequential.print();
            faulty.print();
            System.out.printf("bench speed-up over the sequential baseline: %.1fx%n", parallel.requestsPerSecond() / sequential.requestsPerSecond());
        }
    }

    private Result scenario(FakeOpenAi fake, String name, int concurrency, int faultPercent) throws Exception {
        fake.reset();
        fake.latencyMillis = LATENCY_MS;
        fake.limitRequests(RPM);
        Random random = new Random(42);
        int[] faults = {0};
        if (faultPercent > 0) {
            fake.script = call -> {
                synchronized (random) {
                    if (random.nextInt(100) < faultPercent) {
                        faults[0]++;
                        return FakeOpenAi.Reply.status(500, Map.of(), "{\"error\":{\"message\":\"injected fault\"}}");
                    }
                }
                return null;
            };
        }
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(QaforgeApplication.class).run(
                "--server.port=0",
                "--logging.level.io.qaforge=WARN",
                "--qaforge.documents.chunk-target-tokens=100",
                "--qaforge.documents.chunk-max-tokens=150",
                "--qaforge.generation.poll-interval=100ms",
                "--qaforge.generation.backoff=200ms",
                "--qaforge.generation.max-attempts=10",
                "--qaforge.generation.providers.bench.base-url=" + fake.baseUrl(),
                "--qaforge.generation.providers.bench.max-concurrency=" + concurrency,
                "--qaforge.generation.providers.bench.requests-per-minute=" + RPM,
                "--qaforge.generation.providers.bench.timeout=30s")) {
            var http = new TestRestTemplate(new RestTemplateBuilder()
                    .rootUri("http://localhost:" + context.getEnvironment().getProperty("local.server.port")));
            UUID document = GenerationFixtures.upload(http, "bench.txt", GenerationFixtures.document("benchmark sport", FACTS));
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
            JsonNode view = GenerationFixtures.awaitEnd(http, job, Duration.ofMinutes(30));
            double seconds = (System.nanoTime() - start) / 1e9;
            JdbcClient db = context.getBean(JdbcClient.class);
            int tasks = view.at("/tasks/total").asInt();
            int done = view.at("/tasks/done").asInt();
            // Lost: not done, or done with other than the 8 pairs the fake answered (a lost or doubled write).
            int wrong = db.sql("""
                            SELECT count(*) FROM task t WHERE t.job_id = ?
                              AND (t.status <> 'DONE' OR (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> 8)""")
                    .param(job).query(Integer.class).single();
            double ideal = Math.min(RPM / 60.0, concurrency * 1000.0 / LATENCY_MS);
            List<FakeOpenAi.Call> calls = fake.calls;
            double window = (calls.getLast().atNanos() - calls.getFirst().atNanos()) / 1e9;
            Result result = new Result(name, tasks, calls.size(), fake.rateLimited.get(), faults[0], seconds, window, done, wrong, ideal);
            result.print();
            return result;
        }
    }

    private static int env(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value);
    }
}
