package io.qaforge.generation;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The engine's knobs and the LLM providers a job may name. Keys live in configuration or the environment only.
 *
 * @param lease        how long a claimed task belongs to its worker; a worker that dies frees its tasks after this
 * @param pollInterval how often an idle worker looks for new tasks
 * @param maxAttempts  calls per task before it is marked failed
 * @param backoff      first retry delay; doubles per attempt (with jitter) up to {@code maxBackoff}
 * @param events       the job progress streams ({@code GET /api/jobs/{id}/events})
 */
@ConfigurationProperties("qaforge.generation")
record GenerationProperties(
        Map<String, Provider> providers,
        @DefaultValue("5m") Duration lease,
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("5") int maxAttempts,
        @DefaultValue("2s") Duration backoff,
        @DefaultValue("2m") Duration maxBackoff,
        @DefaultValue EventStreams events) {

    GenerationProperties {
        providers = providers == null ? Map.of() : Map.copyOf(providers);
    }

    /**
     * An OpenAI-compatible chat completions endpoint.
     *
     * @param baseUrl           without {@code /v1} (Spring AI appends {@code /v1/chat/completions})
     * @param apiKey            may be blank for local servers (vLLM, Ollama) that need none
     * @param endpointId        RunPod only: builds {@code https://api.runpod.ai/v2/{id}/openai} when base-url is blank
     * @param requestsPerMinute 0 = no limit of ours (the provider's 429s and headers still slow us down)
     * @param structuredOutput  ask for a JSON schema answer instead of alternating lines
     * @param models            models a job may name; empty = any model (prices count as listed too)
     */
    record Provider(
            String baseUrl,
            String apiKey,
            String endpointId,
            @DefaultValue("8") int maxConcurrency,
            @DefaultValue("0") int requestsPerMinute,
            @DefaultValue("0") int tokensPerMinute,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("false") boolean structuredOutput,
            List<String> models,
            Map<String, Price> prices) {

        Provider {
            models = models == null ? List.of() : List.copyOf(models);
            prices = prices == null ? Map.of() : Map.copyOf(prices);
        }

        boolean knowsModel(String model) {
            return (models.isEmpty() && prices.isEmpty()) || models.contains(model) || prices.containsKey(model);
        }
    }

    /** US dollars per million tokens. */
    record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion) {

        private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

        BigDecimal cost(long promptTokens, long completionTokens) {
            return inputPerMillion.multiply(BigDecimal.valueOf(promptTokens))
                    .add(outputPerMillion.multiply(BigDecimal.valueOf(completionTokens)))
                    .divide(MILLION, MathContext.DECIMAL64);
        }
    }

    /**
     * @param maxOpen   streams open at once in this replica; one more is answered 503 (each holds a connection and a
     *                  thread, so a client opening streams in a loop cannot exhaust the service)
     * @param keepAlive how often a quiet stream gets a comment line: it keeps proxies from closing it, and it is how a
     *                  client that went away is noticed (the write fails) and its stream closed
     */
    record EventStreams(@DefaultValue("1000") int maxOpen, @DefaultValue("15s") Duration keepAlive) {
    }
}
