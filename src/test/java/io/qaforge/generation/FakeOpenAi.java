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
 * think blocks, RunPod error bodies). With a request limit it answers 429 when a client goes over it, like a provider.
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
    final AtomicInteger rateLimited = new AtomicInteger();

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

    /** Answer 429 to requests beyond {@code perMinute}, enforced per second as providers do (a bucket of one second's worth). */
    void limitRequests(int perMinute) {
        limit = perMinute > 0 ? new RequestLimit(perMinute) : null;
    }

    void reset() {
        calls.clear();
        script = call -> null;
        latencyMillis = 0;
        limit = null;
        rateLimited.set(0);
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
            RequestLimit requestLimit = limit;
            Reply reply;
            if (requestLimit != null && !requestLimit.tryTake()) {
                rateLimited.incrementAndGet();
                reply = Reply.status(429, Map.of("retry-after-ms", "200"),
                        "{\"error\":{\"message\":\"Rate limit reached for requests. Please try again in 200ms.\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
            } else {
                reply = script.apply(call);
                if (reply == null) {
                    reply = ok(call.json() ? jsonPairs(call) : linePairs(call), "stop", call);
                }
            }
            long delay = reply.delayMillis() + latencyMillis;
            if (delay > 0) {
                Thread.sleep(delay);
            }
            byte[] body = reply.body().getBytes(StandardCharsets.UTF_8);
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(reply.status(), body.length);
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
        ObjectNode root = JSON.createObjectNode();
        root.put("id", "chatcmpl-" + call.index()).put("object", "chat.completion").put("created", 1_700_000_000L)
                .put("model", call.model());
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0).put("finish_reason", finishReason);
        choice.putObject("message").put("role", "assistant").put("content", content);
        int in = Math.max(1, call.prompt().length() / 4), out = Math.max(1, content.length() / 4);
        root.putObject("usage").put("prompt_tokens", in).put("completion_tokens", out).put("total_tokens", in + out);
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

    /** A token bucket that holds one second of requests and refills continuously. */
    private static final class RequestLimit {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long last = System.nanoTime();

        RequestLimit(int perMinute) {
            this.perNano = perMinute / 60e9;
            this.capacity = Math.max(1, perMinute / 60.0);
            this.tokens = capacity;
        }

        synchronized boolean tryTake() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }
}
