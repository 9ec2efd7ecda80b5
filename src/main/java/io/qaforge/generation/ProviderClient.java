package io.qaforge.generation;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpTimeoutException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.NoopApiKey;
import org.springframework.ai.model.SimpleApiKey;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.ai.openai.api.ResponseFormat;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;

import io.qaforge.system.RetryAfter;

/**
 * One configured provider: Spring AI's OpenAI chat model pointed at its base URL, with Spring AI's retries off (the
 * engine owns retries), real timeouts, and an interceptor that sees every response first. The interceptor feeds the
 * provider's rate-limit headers to the {@link RateLimiter} and turns error responses into {@link ProviderFailure}s.
 */
class ProviderClient {

    record Completion(String content, int promptTokens, int completionTokens, String finishReason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|h|m|s)");
    private static final Pattern KEY_LIKE = Pattern.compile("\\b(sk-|rpa_|hf_)[A-Za-z0-9_*.-]{6,}");
    private static final Pattern TRY_AGAIN = Pattern.compile("try again in (\\d+(?:\\.\\d+)?)(ms|s)", Pattern.CASE_INSENSITIVE);

    final String name;
    final GenerationProperties.Provider config;
    final RateLimiter limiter;
    private final OpenAiChatModel chat;

    ProviderClient(String name, GenerationProperties.Provider config, String baseUrl, String apiKey) {
        this.name = name;
        this.config = config;
        this.limiter = new RateLimiter(config.maxConcurrency(), config.requestsPerMinute(), config.tokensPerMinute());
        var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                // Plain-http servers (vLLM, Ollama) get HTTP/1.1 without the h2c upgrade dance; TLS negotiates HTTP/2.
                .version(baseUrl.startsWith("http://") ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .build();
        var requestFactory = new JdkClientHttpRequestFactory(http);
        requestFactory.setReadTimeout(config.timeout());
        var api = OpenAiApi.builder()
                .baseUrl(baseUrl)
                .apiKey(apiKey == null || apiKey.isBlank() ? new NoopApiKey() : new SimpleApiKey(apiKey))
                .restClientBuilder(RestClient.builder().requestFactory(requestFactory).requestInterceptor(this::intercept))
                .build();
        this.chat = OpenAiChatModel.builder()
                .openAiApi(api)
                .defaultOptions(OpenAiChatOptions.builder().build())
                .retryTemplate(RetryTemplate.builder().maxAttempts(1).build())
                .build();
    }

    /** What a call to {@code model} with this usage cost, by the configured price; zero for an unpriced model. */
    BigDecimal cost(String model, long promptTokens, long completionTokens) {
        GenerationProperties.Price price = config.prices().get(model);
        return price == null ? BigDecimal.ZERO : price.cost(promptTokens, completionTokens);
    }

    /** @param schema the answer's JSON schema, asked for where the provider takes one (structured output) */
    Completion call(String model, double temperature, String prompt, String schema) {
        var options = OpenAiChatOptions.builder().model(model).temperature(temperature);
        if (config.structuredOutput() && schema != null) {
            options.responseFormat(ResponseFormat.builder().type(ResponseFormat.Type.JSON_SCHEMA).jsonSchema(schema).build());
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
                usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens(),
                result.getMetadata().getFinishReason());
    }

    private static ProviderFailure classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProviderFailure failure) {
                return failure;
            }
        }
        String what = e instanceof RestClientException ? "malformed response: " : "call failed: ";
        return new ProviderFailure(ProviderFailure.Kind.RETRYABLE, what + e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }

    private ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution) throws IOException {
        ClientHttpResponse response;
        try {
            response = execution.execute(request, body);
        } catch (HttpTimeoutException | SocketTimeoutException e) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "timeout after " + config.timeout(), null);
        } catch (IOException e) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "connection error: " + e.getMessage(), null);
        }
        HttpHeaders headers = response.getHeaders();
        observeRateLimitHeaders(headers);
        HttpStatusCode status = response.getStatusCode();
        byte[] bytes;
        try (InputStream in = response.getBody()) {
            bytes = in.readAllBytes();
        } catch (HttpTimeoutException | SocketTimeoutException e) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "timeout reading the answer", null);
        }
        JsonNode error = errorOf(bytes);
        if (status.is2xxSuccessful()) {
            if (error != null) {
                // RunPod workers report failures as {"error":{...}} bodies, not always with an error status.
                throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "provider error: " + message(error, bytes), null);
            }
            return new BufferedResponse(response, bytes);
        }
        Duration retryAfter = retryAfter(headers, error);
        int code = status.value();
        String reason = "HTTP " + code + ": " + message(error, bytes);
        if (code == 429 && error != null && ("insufficient_quota".equals(error.path("code").asText())
                || "insufficient_quota".equals(error.path("type").asText()))) {
            throw new ProviderFailure(ProviderFailure.Kind.JOB, "insufficient quota: " + message(error, bytes), null);
        }
        if (code == 429) {
            limiter.pauseFor(retryAfter);
        }
        if (code == 408 || code == 409 || code == 429 || code >= 500) {
            throw new ProviderFailure(ProviderFailure.Kind.RETRYABLE, reason, retryAfter);
        }
        if (code == 401 || code == 403 || code == 404) {
            throw new ProviderFailure(ProviderFailure.Kind.JOB, reason, null);
        }
        throw new ProviderFailure(ProviderFailure.Kind.TASK, reason, null);
    }

    /** At zero remaining requests or tokens, nobody in this replica calls again before the provider's reset. */
    private void observeRateLimitHeaders(HttpHeaders headers) {
        for (String kind : new String[]{"requests", "tokens"}) {
            String remaining = headers.getFirst("x-ratelimit-remaining-" + kind);
            if ("0".equals(remaining == null ? null : remaining.strip())) {
                limiter.pauseFor(goDuration(headers.getFirst("x-ratelimit-reset-" + kind)));
            }
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
            Matcher m = TRY_AGAIN.matcher(error.path("message").asText(""));
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

    private static JsonNode errorOf(byte[] bytes) {
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !root.has("error") || root.has("choices")) {
                return null;
            }
            JsonNode error = root.get("error");
            return error.isObject() ? error : JSON.createObjectNode().put("message", error.asText());
        } catch (IOException notJson) {
            return null;
        }
    }

    /** The provider's error message, shortened, with anything that looks like a key masked (it is stored and shown). */
    private static String message(JsonNode error, byte[] bytes) {
        String text = error != null ? error.path("message").asText("") : new String(bytes, StandardCharsets.UTF_8);
        text = KEY_LIKE.matcher(text.strip()).replaceAll("$1***");
        return text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }

    /** The response with its body already read, so the interceptor could look at it first. */
    private record BufferedResponse(ClientHttpResponse delegate, byte[] body) implements ClientHttpResponse {
        @Override
        public HttpStatusCode getStatusCode() throws IOException {
            return delegate.getStatusCode();
        }

        @Override
        public String getStatusText() throws IOException {
            return delegate.getStatusText();
        }

        @Override
        public HttpHeaders getHeaders() {
            return delegate.getHeaders();
        }

        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
