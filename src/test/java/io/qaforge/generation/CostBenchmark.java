package io.qaforge.generation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import io.qaforge.QaforgeApplication;

/**
 * What 1,000 accepted pairs cost at list prices (gpt-4o-mini's, as application.yml has them), on one document, for
 * (a) the reference recipe: one synchronous call per chunk × temperature, no judge; and (b) qaforge's default: facts,
 * pairs per fact and direction, the judge, coverage top-ups, in batch mode. Tokens are what the simulated provider
 * reports for its answers (4 characters a token, prompts as sent), so the two differ by what each pipeline asks and
 * keeps, not by a model's verbosity. Not a test (tagged benchmark, which Surefire leaves out): run it with bench/generation.sh.
 */
@Tag("benchmark")
class CostBenchmark {

    static final int FACTS = env("BENCH_COST_FACTS", 80);

    @Test
    void run() {
        try (FakeOpenAi fake = new FakeOpenAi()) {
            ConfigurableApplicationContext context = new SpringApplicationBuilder(QaforgeApplication.class).run(
                    "--server.port=0",
                    "--logging.level.io.qaforge=WARN",
                    "--qaforge.generation.poll-interval=100ms",
                    "--qaforge.generation.batch.poll-interval=100ms",
                    "--qaforge.generation.providers.openai.base-url=" + fake.baseUrl(),
                    "--qaforge.generation.providers.openai.api-key=bench-key");
            try (context) {
                var http = new TestRestTemplate(new RestTemplateBuilder()
                        .baseUri("http://localhost:" + context.getEnvironment().getProperty("local.server.port")));
                UUID document = GenerationFixtures.upload(http, "bench.txt", GenerationFixtures.document("benchmark sport", FACTS));
                String recipe = line("(a) recipe, sync, no judge", run(http, fake, document, "recipe", "sync"));
                String facts = line("(b) facts+judge+coverage, batch", run(http, fake, document, "facts", "batch"));
                System.out.println("bench ----");
                System.out.println("bench cost per 1,000 accepted pairs at list prices (gpt-4o-mini $0.15/$0.60 per 1M, batch -50%), "
                        + FACTS + "-paragraph document");
                System.out.println(recipe);
                System.out.println(facts);
            }
        }
    }

    private static JsonNode run(TestRestTemplate http, FakeOpenAi fake, UUID document, String strategy, String mode) {
        fake.reset();
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Benchmark sport rules");
        request.put("provider", "openai");
        request.put("model", "gpt-4o-mini");
        request.put("strategy", strategy);
        request.put("mode", mode);
        UUID job = GenerationFixtures.createJob(http, request);
        JsonNode view = GenerationFixtures.awaitEnd(http, job, Duration.ofMinutes(30));
        if (!view.get("status").asString().equals("SUCCEEDED")) {
            throw new IllegalStateException("bench job did not succeed: " + view);
        }
        return view;
    }

    private static String line(String name, JsonNode view) {
        long accepted = view.get("pairsAccepted").asLong();
        BigDecimal paid = view.get("costUsd").decimalValue();
        JsonNode split = view.get("costSplitUsd");
        BigDecimal list = split.get("input").decimalValue().add(split.get("cachedInput").decimalValue()).add(split.get("output").decimalValue());
        return String.format("bench %-34s accepted=%d calls=%d batches=%d prompt-tokens=%d completion-tokens=%d cost=$%s "
                        + "(before batch discount $%s; estimate $%s) per-1000-accepted=$%s (before batch discount $%s)",
                name, accepted, view.at("/tasks/done").asLong(), view.get("batches").size(), view.get("promptTokens").asLong(),
                view.get("completionTokens").asLong(), paid.setScale(4, RoundingMode.HALF_UP), list.setScale(4, RoundingMode.HALF_UP),
                view.at("/estimate/costUsd").decimalValue().setScale(4, RoundingMode.HALF_UP), perThousand(paid, accepted),
                perThousand(list, accepted));
    }

    private static BigDecimal perThousand(BigDecimal cost, long accepted) {
        return accepted == 0 ? BigDecimal.ZERO : cost.multiply(BigDecimal.valueOf(1000)).divide(BigDecimal.valueOf(accepted), 4, RoundingMode.HALF_UP);
    }

    private static int env(String name, int fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : Integer.parseInt(value);
    }
}
