package io.qaforge.generation.provider;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.http.HttpHeaders;

import com.openai.errors.OpenAIInvalidDataException;

import okhttp3.Interceptor;
import okhttp3.Response;
import okhttp3.ResponseBody;

import io.qaforge.system.RetryAfter;

/**
 * One configured provider: Spring AI's OpenAI chat model pointed at its base URL, with the client's retries off (the
 * engine owns retries), real timeouts, and an interceptor that sees every response first. The interceptor feeds the
 * provider's rate-limit headers to the {@link RateLimiter} and turns error responses into {@link ProviderFailure}s.
 */
public class ProviderClient {

    /** @param cachedTokens the part of {@code promptTokens} the provider served from its prompt cache */
    public record Completion(String content, int promptTokens, int cachedTokens, int completionTokens, String finishReason) {

        /** Why this answer could not be used, with how the provider said it ended (a cut-off answer rarely parses). */
        public String unparseable(String reason) {
            return "unparseable answer: " + reason + (finishReason == null ? "" : " (finish_reason " + finishReason + ")");
        }
    }

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");
    private static final Pattern KEY_LIKE = Pattern.compile("\\b(sk-|rpa_|hf_)[A-Za-z0-9_*.-]{6,}");
    private static final Pattern TRY_AGAIN = Pattern.compile("try again in (\\d+(?:\\.\\d+)?)(ms|s)", Pattern.CASE_INSENSITIVE);
    /**
     * A provider bucket that needs longer than this to fill up again is being spent by someone besides our own pacing
     * (which keeps it within a quarter second's burst): another client of the same key.
     */
    private static final Duration SPENT_ELSEWHERE = Duration.ofSeconds(1);

    public final String name;
    public final GenerationProperties.Provider config;
    public final RateLimiter limiter;
    /**
     * The provider's Files and Batches endpoints. Only a provider with {@code batch: true} gets new batches, but every
     * provider keeps following the batches it already has: one whose setting was turned off still ends them.
     */
    public final OpenAiBatches batches;
    private final ProviderBudget budget;
    private final JsonMapper json;
    private final boolean keyless;
    private final OpenAiChatModel chat;

    ProviderClient(String name, GenerationProperties.Provider config, String baseUrl, String apiKey, ProviderBudget budget,
                   JsonMapper json, Clock clock) {
        this.name = name;
        this.config = config;
        this.budget = budget;
        this.json = json;
        this.keyless = apiKey == null || apiKey.isBlank();
        this.limiter = new RateLimiter(config.maxConcurrency(), config.requestsPerMinute(), config.tokensPerMinute(), clock);
        this.batches = new OpenAiBatches(baseUrl, apiKey, config.timeout(), json);
        // The OpenAI SDK wants a key and would take OPENAI_API_KEY from the environment: a keyless server (vLLM, Ollama)
        // gets a placeholder, which the interceptor takes off again so that no Authorization header goes out. Its base
        // URL ends in /v1, which ours (shared with the Batches API) leaves out.
        this.chat = OpenAiChatModel.builder()
                .options(OpenAiChatOptions.builder().baseUrl(baseUrl.replaceAll("/+$", "") + "/v1").apiKey(keyless ? "none" : apiKey)
                        .maxRetries(0).build())
                .httpClientBuilderCustomizer(http -> http.interceptor(this::intercept))
                .build();
    }

    /** What a call to {@code model} cost, synchronous or in a batch, by the configured price; zero for an unpriced model. */
    public GenerationProperties.Cost cost(String model, Completion usage, boolean batch) {
        GenerationProperties.Price price = config.prices().get(model);
        return price == null ? GenerationProperties.Cost.ZERO
                : price.cost(usage.promptTokens(), usage.cachedTokens(), usage.completionTokens(), batch);
    }

    /**
     * Waits until the shared budget lets one more call of about {@code estimatedTokens} go: the pace the provider allows,
     * across every replica, and past any pause it asked for.
     */
    public void awaitTurn(long estimatedTokens) throws InterruptedException {
        Duration wait = budget.reserve(name, limiter.secondsPerRequest(), limiter.secondsPerToken(), estimatedTokens);
        if (wait.isPositive()) {
            Thread.sleep(wait);
        }
    }

    /** Settles the tokens reserved for a call with those it really used. */
    public void settleTokens(long estimated, long used) {
        budget.settleTokens(name, limiter.secondsPerToken(), estimated, used);
    }

    /** @param schema the answer's JSON schema, asked for where the provider takes one (structured output) */
    public Completion call(String model, double temperature, String prompt, String schema) {
        // The timeout goes with each call: the chat model takes it from the call's options, not from the client's.
        var options = OpenAiChatOptions.builder().model(model).temperature(temperature).timeout(config.timeout());
        if (config.structuredOutput() && schema != null) {
            options.responseFormat(OpenAiChatModel.ResponseFormat.builder().type(OpenAiChatModel.ResponseFormat.Type.JSON_SCHEMA)
                    .jsonSchema(schema).build());
        }
        ChatResponse response;
        try {
            response = chat.call(new Prompt(List.of(new UserMessage(prompt)), options.build()));
        } catch (RuntimeException e) {
            throw classify(e);
        }
        Generation result = response == null ? null : response.getResult();
        if (result == null || result.getOutput() == null) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "empty response: no choices", null);
        }
        var usage = response.getMetadata().getUsage();
        return new Completion(result.getOutput().getText(),
                usage == null || usage.getPromptTokens() == null ? 0 : usage.getPromptTokens(),
                usage == null || usage.getCacheReadInputTokens() == null ? 0 : usage.getCacheReadInputTokens().intValue(),
                usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens(),
                result.getMetadata().getFinishReason());
    }

    private static ProviderFailure classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProviderFailure failure) {
                return failure;
            }
        }
        String what = e instanceof OpenAIInvalidDataException ? "malformed response: " : "call failed: ";
        return new ProviderFailure(ProviderFailure.Kind.RETRYABLE, what + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }

    private Response intercept(Interceptor.Chain chain) {
        var request = chain.request();
        if (keyless) {
            request = request.newBuilder().removeHeader(HttpHeaders.AUTHORIZATION).build();
        }
        long sent = System.nanoTime();
        Response response;
        byte[] bytes;
        try {
            response = chain.proceed(request);
            bytes = response.body().bytes();
        } catch (IOException e) {
            limiter.sample(RateLimiter.Outcome.ERROR, seconds(sent), 0);
            // OkHttp ends a call past its timeout by cancelling it: the read then fails with whatever the closed socket says.
            if (e instanceof InterruptedIOException || chain.call().isCanceled()) {
                throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "timeout after " + config.timeout().toString().substring(2).toLowerCase(Locale.ROOT), null);
            }
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "connection error: " + e.getMessage(), null);
        }
        HttpHeaders headers = new HttpHeaders();
        for (String header : response.headers().names()) {
            headers.addAll(header, response.headers(header));
        }
        observeRateLimitHeaders(headers, sent);
        JsonNode root = json(bytes);
        JsonNode error = errorOf(root);
        int code = response.code();
        boolean ok = response.isSuccessful();
        if (ok || code == 429 || code == 408 || code >= 500) {
            limiter.sample(code == 429 ? RateLimiter.Outcome.RATE_LIMITED : ok && error == null
                    ? RateLimiter.Outcome.OK : RateLimiter.Outcome.ERROR, seconds(sent), root.path("usage").path("total_tokens").asLong(0));
        }
        if (ok) {
            if (error != null) {
                // RunPod workers report failures as {"error":{...}} bodies, not always with an error status.
                throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "provider error: " + message(error, bytes), null);
            }
            return response.newBuilder().body(ResponseBody.create(bytes, response.body().contentType())).build();
        }
        Duration retryAfter = retryAfter(headers, error);
        String reason = "HTTP " + code + ": " + message(error, bytes);
        // asString(""): a provider may send anything in these fields, and Jackson 3 refuses to read an object as text.
        if (code == 429 && error != null && ("insufficient_quota".equals(error.path("code").asString(""))
                || "insufficient_quota".equals(error.path("type").asString("")))) {
            throw new ProviderFailure(ProviderFailure.Kind.JOB, "insufficient quota: " + message(error, bytes), null);
        }
        if (code == 429) {
            budget.pause(name, retryAfter);
        }
        if (code == 408 || code == 409 || code == 429 || code >= 500) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, reason, retryAfter);
        }
        if (code == 401 || code == 403 || code == 404) {
            throw new ProviderFailure(ProviderFailure.Kind.JOB, reason, null);
        }
        throw new ProviderFailure(ProviderFailure.Kind.TASK, reason, null);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /**
     * The provider's rate-limit headers set the budget: its limits replace the configured guess; at zero remaining nobody
     * calls again before the reset; a bucket it says is further from full than our own pacing explains is taken as
     * spent (by another client of the key). Resets count from when the request went out, as the provider counted it.
     */
    private void observeRateLimitHeaders(HttpHeaders headers, long sent) {
        limiter.announced(integer(headers.getFirst("x-ratelimit-limit-requests")), integer(headers.getFirst("x-ratelimit-limit-tokens")));
        Duration elapsed = Duration.ofNanos(System.nanoTime() - sent);
        Duration[] fullIn = new Duration[2];
        String[] kinds = {"requests", "tokens"};
        for (int i = 0; i < kinds.length; i++) {
            Duration reset = goDuration(headers.getFirst("x-ratelimit-reset-" + kinds[i]));
            Integer remaining = integer(headers.getFirst("x-ratelimit-remaining-" + kinds[i]));
            if (reset == null || remaining == null) {
                continue;
            }
            if (remaining == 0) {
                budget.pause(name, reset.minus(elapsed));
            } else if (reset.compareTo(SPENT_ELSEWHERE) > 0) {
                fullIn[i] = reset.minus(elapsed);
            }
        }
        if (fullIn[0] != null || fullIn[1] != null) {
            budget.fullIn(name, fullIn[0], fullIn[1]);
        }
    }

    private static Integer integer(String value) {
        try {
            return value == null ? null : Integer.valueOf(value.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Duration retryAfter(HttpHeaders headers, JsonNode error) {
        String ms = headers.getFirst("retry-after-ms");
        if (ms != null) {
            try {
                return Duration.ofMillis((long) Double.parseDouble(ms.strip()));
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        Duration retryAfter = RetryAfter.parse(headers.getFirst(HttpHeaders.RETRY_AFTER));
        if (retryAfter != null) {
            return retryAfter;
        }
        if (error != null) {
            Matcher m = TRY_AGAIN.matcher(error.path("message").asString(""));
            if (m.find()) {
                double amount = Double.parseDouble(m.group(1));
                return Duration.ofMillis((long) (m.group(2).equalsIgnoreCase("ms") ? amount : amount * 1000));
            }
        }
        return null;
    }

    /** Go-style durations as OpenAI sends them: "12ms", "9.816s", "6m0s". */
    static Duration goDuration(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = GO_DURATION.matcher(value.strip());
        double millis = 0;
        boolean any = false;
        while (m.find()) {
            any = true;
            double amount = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> amount;
                case "s" -> amount * 1_000;
                case "m" -> amount * 60_000;
                default -> amount * 3_600_000;
            };
        }
        return any ? Duration.ofMillis((long) millis) : null;
    }

    private JsonNode json(byte[] bytes) {
        try {
            JsonNode root = json.readTree(bytes);
            return root == null ? json.missingNode() : root;
        } catch (JacksonException notJson) {
            return json.missingNode();
        }
    }

    private JsonNode errorOf(JsonNode root) {
        if (!root.has("error") || root.has("choices")) {
            return null;
        }
        JsonNode error = root.get("error");
        return error.isObject() ? error : json.createObjectNode().put("message", error.asString(""));
    }

    /** The provider's error message, shortened, with anything that looks like a key masked (it is stored and shown). */
    private static String message(JsonNode error, byte[] bytes) {
        return masked(error != null ? error.path("message").asString("") : new String(bytes, StandardCharsets.UTF_8));
    }

    /** A provider's message made fit to store and show: shortened, anything that looks like a key masked. */
    public static String masked(String text) {
        text = KEY_LIKE.matcher(text.strip()).replaceAll("$1***");
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
