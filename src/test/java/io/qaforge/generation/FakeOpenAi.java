package io.qaforge.generation;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An OpenAI-compatible chat completions server in the test JVM. By default it answers every request with the number
 * of pairs the prompt asks for, about the prompt's "Fact N" marker, in the real response shape; a script can answer
 * any request differently (429 with Retry-After, 500, a delay past the client's timeout, malformed or cut-off text,
 * think blocks, RunPod error bodies). With a request (and token) limit it answers 429 when a client goes over it and,
 * like OpenAI, announces the limit in {@code x-ratelimit-*} headers on every answer, unless told to keep quiet (as
 * vLLM does); with a capacity it serves that many calls at once and queues the rest, like a self-hosted server.
 */
public class FakeOpenAi implements AutoCloseable {

    /** One request as the fake saw it. */
    record Call(int index, long atNanos, String path, String authorization, String model, double temperature, String prompt,
                boolean json, int fact, int questions) {
        String key() {
            return fact + "@" + temperature + "/" + variantHint();
        }

        String variantHint() {
            return prompt.contains("simple question/answer") ? "simple" : "standard";
        }
    }

    /** What to answer: a status, headers, a body, after an optional delay. */
    record Reply(int status, Map<String, String> headers, String body, long delayMillis) {
        static Reply status(int status, Map<String, String> headers, String body) {
            return new Reply(status, headers, body, 0);
        }

        Reply delayed(long millis) {
            return new Reply(status, headers, body, millis);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FACT = Pattern.compile("Fact (\\d+)");
    private static final Pattern COUNT = Pattern.compile("Provide (\\d+)");

    private final HttpServer server;
    private final AtomicInteger counter = new AtomicInteger();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Answers a call, or null for the default answer. */
    volatile Function<Call, Reply> script = call -> null;
    public volatile long latencyMillis;
    private volatile RequestLimit limit;
    private volatile RequestLimit tokenLimit;
    private volatile boolean announce;
    private volatile java.util.concurrent.Semaphore capacity;
    /** Prompt tokens the default answer reports as served from the prompt cache. */
    volatile int cachedTokens;
    final AtomicInteger rateLimited = new AtomicInteger();
    /** Time from each request's arrival to its answer, queueing included, summed. */
    final java.util.concurrent.atomic.LongAdder answerNanos = new java.util.concurrent.atomic.LongAdder();

    public FakeOpenAi() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1000);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Answer 429 to requests beyond {@code perMinute}, enforced per second as providers do (a bucket of one second's
     * worth), and announce the limit on every answer as OpenAI does (limit, remaining, reset), or, with {@code announce}
     * false, say nothing of it.
     */
    void limitRequests(int perMinute, boolean announce) {
        limit = perMinute > 0 ? new RequestLimit(perMinute) : null;
        this.announce = announce;
    }

    /** Announces the limit as OpenAI does. */
    void limitRequests(int perMinute) {
        limitRequests(perMinute, true);
    }

    /** Answer 429 past {@code perMinute} tokens (the prompt's, by 4 characters a token, and those asked for), announced. */
    void limitTokens(int perMinute) {
        tokenLimit = perMinute > 0 ? new RequestLimit(perMinute) : null;
    }

    /** Serve at most {@code calls} at once and queue the rest, as a self-hosted server does at its batch size; 0 = no limit. */
    void capacity(int calls) {
        capacity = calls > 0 ? new java.util.concurrent.Semaphore(calls, true) : null;
    }

    void reset() {
        calls.clear();
        script = call -> null;
        latencyMillis = 0;
        limit = null;
        tokenLimit = null;
        capacity = null;
        cachedTokens = 0;
        rateLimited.set(0);
        answerNanos.reset();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            String prompt = request.path("messages").path(0).path("content").asText("");
            Matcher fact = FACT.matcher(prompt);
            Matcher count = COUNT.matcher(prompt);
            var call = new Call(counter.incrementAndGet(), System.nanoTime(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"), request.path("model").asText(),
                    request.path("temperature").asDouble(), prompt,
                    "json_schema".equals(request.path("response_format").path("type").asText()),
                    fact.find() ? Integer.parseInt(fact.group(1)) : -1, count.find() ? Integer.parseInt(count.group(1)) : 1);
            calls.add(call);
            RequestLimit requestLimit = limit, tokens = tokenLimit;
            Map<String, String> announced = new java.util.HashMap<>();
            boolean allowed = requestLimit == null || requestLimit.tryTake(1);
            // Tokens counted as OpenAI counts them at admission: the prompt's and the most the answer may take.
            allowed = allowed && (tokens == null || tokens.tryTake(call.prompt().length() / 4 + 30 * call.questions()));
            if (announce) {
                if (requestLimit != null) {
                    requestLimit.announce("requests", announced);
                }
                if (tokens != null) {
                    tokens.announce("tokens", announced);
                }
            }
            Reply reply;
            if (!allowed) {
                rateLimited.incrementAndGet();
                announced.put("retry-after-ms", "200");
                reply = Reply.status(429, announced,
                        "{\"error\":{\"message\":\"Rate limit reached for requests. Please try again in 200ms.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
            } else {
                reply = script.apply(call);
                if (reply == null) {
                    reply = ok(call.json() ? jsonPairs(call) : linePairs(call), "stop", call, cachedTokens);
                }
                if (!announced.isEmpty()) {
                    announced.putAll(reply.headers());
                    reply = new Reply(reply.status(), announced, reply.body(), reply.delayMillis());
                }
            }
            java.util.concurrent.Semaphore served = reply.status() == 429 ? null : capacity;
            if (served != null) {
                served.acquire();
            }
            try {
                long delay = reply.delayMillis() + latencyMillis;
                if (delay > 0) {
                    Thread.sleep(delay);
                }
            } finally {
                if (served != null) {
                    served.release();
                }
            }
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length);
            answerNanos.add(System.nanoTime() - call.atNanos());
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException clientGone) {
            // the client timed out and hung up: as a real server would, carry on
        }
    }

    /** The default answer's lines: question and answer alternating, unique per fact, temperature and pair. */
    static String linePairs(Call call) {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= call.questions(); i++) {
            text.append(question(call, i)).append('\n').append(answer(call, i)).append('\n');
        }
        return text.toString();
    }

    static String question(Call call, int i) {
        return "What is detail " + i + " of fact " + call.fact() + " at temperature " + call.temperature() + " in the "
                + call.variantHint() + " variant?";
    }

    static String answer(Call call, int i) {
        return "Detail " + i + " of fact " + call.fact() + " is " + (call.fact() * 100 + i) + ".";
    }

    private static String jsonPairs(Call call) {
        ObjectNode root = JSON.createObjectNode();
        var pairs = root.putArray("pairs");
        for (int i = 1; i <= call.questions(); i++) {
            pairs.addObject().put("question", question(call, i)).put("answer", answer(call, i));
        }
        return root.toString();
    }

    /** A successful chat completion with this content, usage counted roughly (4 characters a token). */
    static Reply ok(String content, String finishReason, Call call) {
        return ok(content, finishReason, call, 0);
    }

    /** The same, with {@code cached} of the prompt's tokens reported as read from the provider's prompt cache. */
    static Reply ok(String content, String finishReason, Call call, int cached) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-" + call.index()).put("object", "chat.completion").put("created", 1_700_000_000L)
                .put("model", call.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", finishReason);
        choice.putObject("message").put("role", "assistant").put("content", content);
        int in = Math.max(1, call.prompt().length() / 4), out = Math.max(1, content.length() / 4);
        ObjectNode usage = root.putObject("usage").put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
        if (cached > 0) {
            usage.putObject("prompt_tokens_details").put("cached_tokens", Math.min(cached, in)).put("audio_tokens", 0);
        }
        return Reply.status(200, Map.of(), root.toString());
    }

    List<Call> callsFor(int fact) {
        List<Call> result = new ArrayList<>();
        for (Call call : calls) {
            if (call.fact() == fact) {
                result.add(call);
            }
        }
        return result;
    }

    /** A token bucket that holds one second's worth and refills continuously. */
    private static final class RequestLimit {
        private final int perMinute;
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long last = System.nanoTime();

        RequestLimit(int perMinute) {
            this.perMinute = perMinute;
            this.perNano = perMinute / 60e9;
            this.capacity = Math.max(1, perMinute / 60.0);
            this.tokens = capacity;
        }

        synchronized boolean tryTake(int amount) {
            refill();
            if (tokens >= amount) {
                tokens -= amount;
                return true;
            }
            return false;
        }

        /** OpenAI's headers: the limit per minute, what is left of it (the bucket's level on that scale) and when it is full again. */
        synchronized void announce(String kind, Map<String, String> headers) {
            refill();
            headers.put("x-ratelimit-limit-" + kind, String.valueOf(perMinute));
            headers.put("x-ratelimit-remaining-" + kind, String.valueOf((long) Math.floor(tokens / capacity * perMinute)));
            headers.put("x-ratelimit-reset-" + kind, Math.round((capacity - tokens) / perNano / 1e6) + "ms");
        }

        private void refill() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
        }
    }
}
