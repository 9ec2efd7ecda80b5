package io.qaforge.generation.provider;

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
 * @param lease        how long a claimed task belongs to its worker without a sign of life; the worker renews it while
 *                     the call runs, so a dead worker's tasks run again within this, however long calls take
 * @param pollInterval how often an idle worker looks for new tasks
 * @param maxAttempts  calls per task before it is marked failed
 * @param backoff      first retry delay; doubles per attempt (with jitter) up to {@code maxBackoff}
 * @param minLexicalSupport the grounding floor: a pair whose answer has a smaller share of content words (stems,
 *                     without stopwords) in its chunk and facts is rejected as {@code unsupported_content}, and a
 *                     listed fact with a smaller share in its chunk is left out; 0 turns it off
 * @param events       the job progress streams ({@code GET /api/jobs/{id}/events})
 * @param batch        how jobs in batch mode are sent and followed
 */
@ConfigurationProperties("qaforge.generation")
public record GenerationProperties(
        Map<String, Provider> providers,
        @DefaultValue("1m") Duration lease,
        @DefaultValue("500ms") Duration pollInterval,
        @DefaultValue("5") int maxAttempts,
        @DefaultValue("2s") Duration backoff,
        @DefaultValue("2m") Duration maxBackoff,
        @DefaultValue("0.5") double minLexicalSupport,
        @DefaultValue EventStreams events,
        @DefaultValue Batches batch) {

    public GenerationProperties {
        providers = providers == null ? Map.of() : Map.copyOf(providers);
    }

    /**
     * An OpenAI-compatible chat completions endpoint.
     *
     * @param baseUrl           without {@code /v1} (Spring AI appends {@code /v1/chat/completions})
     * @param apiKey            may be blank for local servers (vLLM, Ollama) that need none
     * @param endpointId        RunPod only: builds {@code https://api.runpod.ai/v2/{id}/openai} when base-url is blank
     * @param maxConcurrency    the most calls in flight in this replica; below it, concurrency follows the work (the
     *                          provider's rate times the latency observed, or, with no rate known, grown while latency
     *                          holds and cut when it climbs or errors come)
     * @param requestsPerMinute the guess until the provider announces its limits ({@code x-ratelimit-limit-*}), which
     *                          then replace it; 0 = no guess (calls are paced only once the provider says how)
     * @param tokensPerMinute   as {@code requestsPerMinute}, for tokens
     * @param structuredOutput  ask for a JSON schema answer instead of alternating lines
     * @param models            models a job may name; empty = any model (prices count as listed too)
     */
    public record Provider(
            String baseUrl,
            String apiKey,
            String endpointId,
            @DefaultValue("1024") int maxConcurrency,
            @DefaultValue("0") int requestsPerMinute,
            @DefaultValue("0") int tokensPerMinute,
            @DefaultValue("120s") Duration timeout,
            @DefaultValue("false") boolean structuredOutput,
            List<String> models,
            Map<String, Price> prices,
            @DefaultValue("false") boolean batch) {

        public Provider {
            models = models == null ? List.of() : List.copyOf(models);
            prices = prices == null ? Map.of() : Map.copyOf(prices);
        }

        boolean knowsModel(String model) {
            return (models.isEmpty() && prices.isEmpty()) || models.contains(model) || prices.containsKey(model);
        }
    }

    /**
     * US dollars per million tokens.
     *
     * @param cachedInputPerMillion input the provider served from its prompt cache; the input price when not given
     * @param batchDiscount         the share of the price a batch call saves (OpenAI's Batch API: 0.5); 0 = none
     */
    public record Price(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cachedInputPerMillion,
                 @DefaultValue("0") BigDecimal batchDiscount) {

        private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

        public Price {
            cachedInputPerMillion = cachedInputPerMillion == null ? inputPerMillion : cachedInputPerMillion;
        }

        /** An estimate's cost: no input assumed cached. */
        public BigDecimal cost(long promptTokens, long completionTokens, boolean batch) {
            return cost(promptTokens, 0, completionTokens, batch).total();
        }

        /** What a call with this usage cost, by what was paid for; {@code cachedTokens} are part of {@code promptTokens}. */
        Cost cost(long promptTokens, long cachedTokens, long completionTokens, boolean batch) {
            BigDecimal input = perMillion(inputPerMillion, promptTokens - cachedTokens);
            BigDecimal cached = perMillion(cachedInputPerMillion, cachedTokens);
            BigDecimal output = perMillion(outputPerMillion, completionTokens);
            BigDecimal discount = batch ? input.add(cached).add(output).multiply(batchDiscount, MathContext.DECIMAL64) : BigDecimal.ZERO;
            return new Cost(input, cached, output, discount);
        }

        private static BigDecimal perMillion(BigDecimal price, long tokens) {
            return price.multiply(BigDecimal.valueOf(tokens)).divide(MILLION, MathContext.DECIMAL64);
        }
    }

    /** A cost in US dollars by what was paid for; the batch discount is taken off the rest. */
    public record Cost(BigDecimal input, BigDecimal cachedInput, BigDecimal output, BigDecimal batchDiscount) {

        public static final Cost ZERO = new Cost(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

        public BigDecimal total() {
            return input.add(cachedInput).add(output).subtract(batchDiscount);
        }
    }

    /**
     * @param pollInterval   how often a replica submits the batch jobs' pending tasks and asks after batches in flight
     *                       (a batch takes minutes to hours: polling faster buys nothing)
     * @param recoveryWindow how long, from its start, the search for a batch whose submission was cut off is tried
     *                       again (once a poll interval) while the provider's batch list cannot be read; then its tasks
     *                       fail with the reason, since sending them again could pay for them twice
     */
    public record Batches(@DefaultValue("30s") Duration pollInterval, @DefaultValue("10m") Duration recoveryWindow) {
    }

    /**
     * @param maxOpen   streams open at once in this replica; one more is answered 503 (each holds a connection and a
     *                  thread, so a client opening streams in a loop cannot exhaust the service)
     * @param keepAlive how often a quiet stream gets a comment line: it keeps proxies from closing it, and it is how a
     *                  client that went away is noticed (the write fails) and its stream closed
     */
    public record EventStreams(@DefaultValue("1000") int maxOpen, @DefaultValue("15s") Duration keepAlive) {
    }
}
