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

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An OpenAI-compatible chat completions server in the test JVM. By default it answers every request as a careful model
 * would, in the real response shape: a recipe prompt with the number of pairs it asks for, about the prompt's "Fact N"
 * marker; a facts prompt with the chunk's sentences; a fact job's pair prompt with one pair per fact and direction it
 * asks for, each naming its fact; a judge prompt with a verdict per pair (supported where the answer's words and numbers
 * are the chunk's). A script can answer any request differently: 429 with Retry-After, 500, a delay past the client's
 * timeout, malformed or cut-off text, think blocks, RunPod error bodies, and, with {@link #weak}, what weak models write.
 * With a request (and token) limit it answers 429 when a client goes over it and, like OpenAI, announces the limit in
 * {@code x-ratelimit-*} headers on every answer, unless told to keep quiet (as vLLM does); with a capacity it serves
 * that many calls at once and queues the rest, like a self-hosted server. It also speaks the Files and Batches API
 * ({@link Batches}), answering each batched request as it would the same synchronous one.
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

        /** {@code facts}, {@code pairs} (a fact job's), {@code judge}, {@code study}, {@code study-judge} or {@code recipe}. */
        String kind() {
            return prompt.startsWith("You list the facts") ? "facts" : prompt.startsWith("You check question/answer pairs") ? "judge"
                    : prompt.startsWith("You write question/answer pairs") ? "pairs" : prompt.startsWith("You write a study passage")
                    ? "study" : prompt.startsWith("You check a study passage") ? "study-judge" : "recipe";
        }

        /** The language the prompt asks to be answered in: {@code de}, {@code fr} or (by default) {@code en}. */
        String language() {
            return prompt.contains("Schreibe alles auf Deutsch") ? "de" : prompt.contains("Écris tout en français") ? "fr" : "en";
        }

        /** The study strategy a study prompt asks for, by its instructions' first words. */
        String strategy() {
            for (String[] opening : STRATEGIES) {
                if (prompt.contains(opening[1])) {
                    return opening[0];
                }
            }
            return "";
        }

        /** The passage a study judge prompt checks. */
        String passage() {
            Matcher m = PASSAGE.matcher(prompt);
            return m.find() ? m.group(1) : "";
        }

        /** The chunk the prompt carries. */
        String chunk() {
            Matcher m = CHUNK.matcher(prompt);
            return m.find() ? m.group(1) : "";
        }

        /** A fact job's listed facts, by their number. */
        Map<Integer, String> facts() {
            Map<Integer, String> facts = new java.util.TreeMap<>();
            for (Matcher m = LISTED_FACT.matcher(prompt); m.find(); ) {
                facts.put(Integer.parseInt(m.group(1)), m.group(2));
            }
            return facts;
        }

        /** What a fact job's pair prompt asks for: per fact number, how many forward and reverse pairs. */
        Map<Integer, int[]> asked() {
            Map<Integer, int[]> asked = new java.util.TreeMap<>();
            Matcher sweep = SWEEP.matcher(prompt);
            if (sweep.find()) {
                for (Matcher tag = TAG.matcher(sweep.group(2)); tag.find(); ) {
                    asked.put(Integer.parseInt(tag.group(1)), sweep.group(1).equals("forward") ? new int[]{1, 0} : new int[]{0, 1});
                }
            }
            for (Matcher m = TOP_UP.matcher(prompt); m.find(); ) {
                int[] wanted = asked.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new int[2]);
                for (Matcher part = PART.matcher(m.group(2)); part.find(); ) {
                    wanted[part.group(2).equals("forward") ? 0 : 1] += Integer.parseInt(part.group(1));
                }
            }
            return asked;
        }

        /** The pairs a judge prompt asks about, in order: question and answer. */
        List<String[]> graded() {
            List<String[]> pairs = new ArrayList<>();
            for (Matcher m = GRADED.matcher(prompt); m.find(); ) {
                pairs.add(new String[]{m.group(2), m.group(3)});
            }
            return pairs;
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

    private static final JsonMapper JSON = new JsonMapper();
    private static final Pattern FACT = Pattern.compile("Fact (\\d+)");
    private static final Pattern COUNT = Pattern.compile("Provide (\\d+)|List at most (\\d+)|Write (\\d+)");
    private static final Pattern CHUNK = Pattern.compile("<<<INPUT\\n(.*?)\\nINPUT>>>", Pattern.DOTALL);
    private static final Pattern LISTED_FACT = Pattern.compile("(?m)^F(\\d+)\\. (.+)$");
    private static final Pattern SWEEP = Pattern.compile("one (forward|reverse) pair for each fact: ([F\\d, ]+)\\.");
    private static final Pattern TAG = Pattern.compile("F(\\d+)");
    private static final Pattern TOP_UP = Pattern.compile("(?m)^- F(\\d+): (.+)$");
    private static final Pattern PART = Pattern.compile("(\\d+) (forward|reverse)");
    private static final Pattern PASSAGE = Pattern.compile("<<<PASSAGE\\n(.*?)\\nPASSAGE>>>", Pattern.DOTALL);
    private static final String[][] STRATEGIES = {{"concepts", "Explain the key concepts"}, {"implications", "Write what follows"},
            {"teacher", "Write as a teacher"}, {"case", "Write a worked case study"}, {"discussion", "Write a discussion"},
            {"outline", "Write a mind map"}, {"relations", "Write how the entities"}, {"focal", "Write a passage centred"}};
    private static final Pattern GRADED = Pattern.compile("(?m)^(\\d+)\\. Q: (.*)\\n\\s+A: (.*)$");
    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");

    private final HttpServer server;
    private final AtomicInteger counter = new AtomicInteger();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    /** Answers a call, or null for the default answer. */
    volatile Function<Call, Reply> script = call -> null;
    public volatile long latencyMillis;
    /** Answer pair prompts as weak real models do: numbering and labels on every pair, and junk after them. */
    public volatile boolean weak;
    private volatile RequestLimit limit;
    private volatile RequestLimit tokenLimit;
    private volatile boolean announce;
    private volatile java.util.concurrent.Semaphore capacity;
    /** Prompt tokens the default answer reports as served from the prompt cache. */
    volatile int cachedTokens;
    final AtomicInteger rateLimited = new AtomicInteger();
    /** The Files and Batches API. */
    final Batches batches = new Batches();
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
        weak = false;
        limit = null;
        tokenLimit = null;
        capacity = null;
        cachedTokens = 0;
        rateLimited.set(0);
        answerNanos.reset();
        batches.reset();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.startsWith("/v1/files") || path.startsWith("/v1/batches")) {
            batches.handle(exchange);
            return;
        }
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            var call = call(request, path, exchange.getRequestHeaders().getFirst("Authorization"));
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
                reply = reply(call);
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

    /** Records a chat completion request as a call. */
    private Call call(JsonNode request, String path, String authorization) {
        String prompt = request.path("messages").path(0).path("content").asString("");
        Matcher fact = FACT.matcher(prompt);
        Matcher count = COUNT.matcher(prompt);
        var call = new Call(counter.incrementAndGet(), System.nanoTime(), path, authorization, request.path("model").asString(),
                request.path("temperature").asDouble(), prompt,
                "json_schema".equals(request.path("response_format").path("type").asString()),
                fact.find() ? Integer.parseInt(fact.group(1)) : -1, count(count));
        calls.add(call);
        return call;
    }

    /** The script's answer to a call, else the default (careful, or weak) one. */
    private Reply reply(Call call) {
        Reply reply = script.apply(call);
        return reply != null ? reply : ok(weak && !call.json() && !call.kind().equals("facts") && !call.kind().equals("judge")
                ? weakened(answer(call)) : answer(call), "stop", call, cachedTokens);
    }

    private static int count(Matcher m) {
        if (!m.find()) {
            return 1;
        }
        for (int group = 1; group <= m.groupCount(); group++) {
            if (m.group(group) != null) {
                return Integer.parseInt(m.group(group));
            }
        }
        return 1;
    }

    /** What a careful model answers, for each kind of prompt. */
    static String answer(Call call) {
        return switch (call.kind()) {
            case "facts" -> facts(call);
            case "pairs" -> factPairs(call, 0);
            case "judge" -> verdicts(call);
            case "study" -> passage(call);
            case "study-judge" -> faithfulness(call);
            default -> call.json() ? jsonPairs(call) : linePairs(call);
        };
    }

    /**
     * A careful answer as weak real models write it (SmolLM2-135M-Instruct among them): each pair numbered and labelled
     * ("1. Q:", "Q#2:"), "Answers:" left at the end, then the prompt's one-shot example copied back, a markup
     * fragment and an answer with a number no chunk has. Cleaned, the careful pairs survive; the rest is rejected
     * as {@code prompt_echo}, {@code markup} and {@code unsupported_number}.
     */
    static String weakened(String careful) {
        StringBuilder text = new StringBuilder("Sure! Here are the question/answer pairs:\n\n");
        String[] lines = careful.strip().split("\n");
        for (int i = 0; i + 1 < lines.length; i += 2) {
            int n = i / 2 + 1;
            text.append(n % 2 == 0 ? "Q#" + n + ": " : n + ". Q: ").append(lines[i]).append(n % 2 == 0 ? "\nA#" + n + ": " : "\nA: ")
                    .append(lines[i + 1]).append(i + 2 >= lines.length ? " Answers:" : "").append("\n\n");
        }
        return text.append("""
                In touch rugby, how many players may a team have on the field at once?
                A team may have at most six players on the field at any time.
                <name>MIME_INFO</name>
                <value>
                How many referees oversee a match of touch rugby under these rules?
                Exactly 97 referees oversee each match.
                """).toString();
    }

    /** The chunk's sentences of four words or more, as many as asked for. */
    static String facts(Call call) {
        List<String> facts = new ArrayList<>();
        for (String sentence : call.chunk().split("(?<=[.!?])\\s+")) {
            if (sentence.strip().split("\\s+").length >= 4 && facts.size() < call.questions()) {
                facts.add(sentence.strip());
            }
        }
        if (call.json()) {
            ObjectNode root = JSON.createObjectNode();
            facts.forEach(root.putArray("facts")::add);
            return root.toString();
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < facts.size(); i++) {
            text.append(i + 1).append(". ").append(facts.get(i)).append('\n');
        }
        return text.toString();
    }

    /**
     * One pair per fact and direction asked for, naming its fact: the question names the fact's opening (forward) or
     * its ending (reverse), the temperature and its phrasing number (from {@code firstPhrasing}), the answer is the fact.
     */
    static String factPairs(Call call, int firstPhrasing) {
        Map<Integer, String> facts = call.facts();
        ObjectNode root = JSON.createObjectNode();
        var pairs = root.putArray("pairs");
        StringBuilder text = new StringBuilder();
        call.asked().forEach((number, wanted) -> {
            String fact = facts.getOrDefault(number, "");
            String[] words = fact.replaceAll("[.,;:]", "").split("\\s+");
            for (int d = 0; d < 2; d++) {
                String direction = d == 0 ? "forward" : "reverse";
                for (int j = 1; j <= wanted[d]; j++) {
                    int phrasing = firstPhrasing + j;
                    String asked = " (phrasing " + phrasing + " at temperature " + call.temperature() + ")?";
                    String opening = String.join(" ", java.util.Arrays.copyOfRange(words, 0, Math.min(5, words.length)));
                    String ending = String.join(" ", java.util.Arrays.copyOfRange(words, Math.max(0, words.length - 5), words.length));
                    String question = call.language().equals("de")
                            ? "Formulierung " + phrasing + " bei Temperatur " + call.temperature() + ": " + (d == 0
                            ? "Was sagt die Aussage, die mit \"" + opening + "\" beginnt?" : "Welche Aussage endet mit \"" + ending + "\"?")
                            : call.language().equals("fr")
                            ? "Formulation " + phrasing + " à la température " + call.temperature() + " : " + (d == 0
                            ? "que dit l'énoncé qui commence par \"" + opening + "\" ?" : "quel énoncé se termine par \"" + ending + "\" ?")
                            : "Phrasing " + phrasing + " at temperature " + call.temperature() + ": " + (d == 0
                            ? "what does the statement opening with \"" + String.join(" ", java.util.Arrays.copyOfRange(words, 0,
                            Math.min(5, words.length))) + "\" say" + asked
                            : "which statement ends with \"" + String.join(" ", java.util.Arrays.copyOfRange(words,
                            Math.max(0, words.length - 5), words.length)) + "\"" + asked);
                    pairs.addObject().put("direction", direction).put("question", question).put("answer", fact)
                            .putArray("facts").add(number);
                    text.append("[F").append(number).append(' ').append(direction).append("] ").append(question).append('\n')
                            .append(fact).append('\n');
                }
            }
        });
        return call.json() ? root.toString() : text.toString();
    }

    /**
     * A careful passage: the chunk's sentences (and the facts a relations or focal prompt lists) in the strategy's
     * shape, until it is long enough: a discussion's turns, an outline's indented lines, a teacher's steps.
     */
    static String passage(Call call) {
        List<String> sentences = new ArrayList<>();
        for (String sentence : call.chunk().split("(?<=[.!?])\\s+")) {
            if (!sentence.isBlank()) {
                sentences.add(sentence.strip());
            }
        }
        sentences.addAll(call.facts().values());
        StringBuilder text = new StringBuilder();
        int words = 0;
        for (int i = 0; words < 90; i++) {
            String sentence = sentences.get(i % sentences.size());
            switch (call.strategy()) {
                case "discussion" -> text.append(i % 2 == 0 ? "Alex: " : "Sam: ").append(sentence).append('\n');
                case "outline" -> text.append(i == 0 ? "" : "  ").append(sentence).append('\n');
                default -> text.append(sentence).append(' ');
            }
            words += sentence.split("\\s+").length;
        }
        return text.toString().strip();
    }

    /** The passage's sentences as claims, supported where their numbers and most of their words are the chunk's. */
    static String faithfulness(Call call) {
        String chunk = call.chunk().toLowerCase(java.util.Locale.ROOT);
        int claims = 0, supported = 0;
        for (String sentence : call.passage().split("(?<=[.!?])\\s+|\\n")) {
            if (!sentence.isBlank()) {
                claims++;
                supported += supported(sentence.replaceFirst("^\\s*(Alex|Sam): ", ""), chunk) ? 1 : 0;
            }
        }
        return call.json() ? "{\"claims\":" + claims + ",\"supported\":" + supported + "}"
                : "claims: " + claims + "\nsupported: " + supported;
    }

    /** A verdict per pair: supported where the answer's numbers and most of its words are the chunk's. */
    static String verdicts(Call call) {
        String chunk = call.chunk().toLowerCase(java.util.Locale.ROOT);
        ObjectNode root = JSON.createObjectNode();
        var verdicts = root.putArray("verdicts");
        StringBuilder text = new StringBuilder();
        List<String[]> graded = call.graded();
        for (int i = 0; i < graded.size(); i++) {
            boolean supported = supported(graded.get(i)[1], chunk);
            verdicts.addObject().put("pair", i + 1).put("supported", supported).put("selfContained", true)
                    .put("aboutDocument", true).put("score", supported ? 5 : 1);
            text.append(i + 1).append(" | ").append(supported ? "yes" : "no").append(" | yes | yes | ").append(supported ? 5 : 1).append('\n');
        }
        return call.json() ? root.toString() : text.toString();
    }

    static boolean supported(String answer, String chunk) {
        for (Matcher m = NUMBER.matcher(answer); m.find(); ) {
            if (!chunk.contains(m.group())) {
                return false;
            }
        }
        String[] words = answer.toLowerCase(java.util.Locale.ROOT).replaceAll("[^\\p{L}\\p{N} ]", " ").split("\\s+");
        long content = java.util.Arrays.stream(words).filter(w -> w.length() >= 4).count();
        long found = java.util.Arrays.stream(words).filter(w -> w.length() >= 4 && chunk.contains(w)).count();
        return content == 0 || found * 2 >= content;
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

    /**
     * Grounded in the chunk: its words are those of every test document's facts (a team of six restarting play), its
     * only number the chunk's own fact number.
     */
    static String answer(Call call, int i) {
        return call.fact() < 0 ? "A team of six restarts play." : "Fact " + call.fact() + " says that a team of six restarts play.";
    }

    private static String jsonPairs(Call call) {
        ObjectNode root = JSON.createObjectNode();
        var pairs = root.putArray("pairs");
        for (int i = 1; i <= call.questions(); i++) {
            pairs.addObject().put("question", question(call, i)).put("answer", answer(call, i));
        }
        return root.toString();
    }

    /**
     * The default answer, padded with blank space until its usage costs {@code usd} at these prices per token (for
     * answers that cost more than their estimate); never less than the answer alone.
     */
    static Reply costing(Call call, double usd, double inputPerToken, double outputPerToken) {
        String answer = answer(call);
        double alone = call.prompt().length() / 4 * inputPerToken + answer.length() / 4 * outputPerToken;
        return ok(answer + "\n" + " ".repeat((int) Math.max(0, Math.round((usd - alone) / outputPerToken * 4))), "stop", call);
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

    /**
     * OpenAI's Files and Batches API as the real one behaves: {@code POST /v1/files} (multipart, {@code purpose=batch})
     * stores a JSONL file; {@code POST /v1/batches} makes a batch of it; each {@code GET /v1/batches/{id}} moves it one
     * status on (validating, in_progress, finalizing, then completed, or the ending a test asks for), unless held;
     * when it ends, every request line is answered as a synchronous call would be (script included), the answers put in
     * the output file in an order unlike the input's, and the lines a test fails in the error file. An expired or
     * cancelled batch answers only the first half of its lines; a failed one none. {@code GET /v1/batches} lists them;
     * {@code POST /v1/batches/{id}/cancel} has one end {@code cancelled} at its next look.
     */
    final class Batches {
        private final Map<String, byte[]> files = new java.util.concurrent.ConcurrentHashMap<>();
        private final Map<String, ObjectNode> batches = new java.util.concurrent.ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        /** The batches made, in order: their ids. */
        final List<String> created = new CopyOnWriteArrayList<>();
        /** The uploads' purposes, as sent. */
        final List<String> purposes = new CopyOnWriteArrayList<>();
        /** Looks at batches, by any client. */
        final AtomicInteger polls = new AtomicInteger();
        /** While true, batches stay in progress. */
        volatile boolean hold;
        /** The status a batch ends with, by its number (1 for the first made); null: completed. */
        volatile java.util.function.IntFunction<String> ending = n -> null;
        /** A failure message for the request lines to put in the error file; null: answer the line. */
        volatile Function<Call, String> lineError = call -> null;
        /** The status the batch list answers with instead of the list; 0: the list. */
        volatile int listStatus;
        /** Calls to the batch list, one per page. */
        final AtomicInteger lists = new AtomicInteger();

        void reset() {
            files.clear();
            batches.clear();
            created.clear();
            purposes.clear();
            polls.set(0);
            hold = false;
            ending = n -> null;
            lineError = call -> null;
            listStatus = 0;
            lists.set(0);
        }

        /** Batches someone else in the organisation made (of files of their own), listed before those made earlier. */
        void madeElsewhere(int count) {
            for (int i = 0; i < count; i++) {
                String file = "file-elsewhere-" + ids.incrementAndGet();
                files.put(file, new byte[0]);
                ObjectNode batch = create(JSON.createObjectNode().put("input_file_id", file).put("endpoint", "/v1/chat/completions"));
                created.remove(batch.path("id").asString()); // listed, but not one of ours
            }
        }

        /** The request lines of a batch's input file. */
        List<JsonNode> requests(String batchId) {
            List<JsonNode> lines = new ArrayList<>();
            for (String line : new String(files.get(batches.get(batchId).path("input_file_id").asString()), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        }

        String status(String batchId) {
            return batches.get(batchId).path("status").asString();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                String method = exchange.getRequestMethod();
                byte[] body = exchange.getRequestBody().readAllBytes();
                if (method.equals("POST") && path.equals("/v1/files")) {
                    send(exchange, 200, upload(exchange.getRequestHeaders().getFirst("Content-Type"), body).toString().getBytes(StandardCharsets.UTF_8));
                } else if (method.equals("GET") && path.startsWith("/v1/files/") && path.endsWith("/content")) {
                    byte[] file = files.get(path.substring("/v1/files/".length(), path.length() - "/content".length()));
                    send(exchange, file == null ? 404 : 200, file == null ? "{\"error\":{\"message\":\"No such file\"}}".getBytes() : file);
                } else if (method.equals("POST") && path.equals("/v1/batches")) {
                    send(exchange, 200, create(JSON.readTree(body)).toString().getBytes(StandardCharsets.UTF_8));
                } else if (method.equals("GET") && path.equals("/v1/batches")) {
                    lists.incrementAndGet();
                    if (listStatus != 0) {
                        send(exchange, listStatus, "{\"error\":{\"message\":\"Not found\"}}".getBytes());
                    } else {
                        send(exchange, 200, list(exchange.getRequestURI().getQuery()).toString().getBytes(StandardCharsets.UTF_8));
                    }
                } else if (method.equals("POST") && path.startsWith("/v1/batches/") && path.endsWith("/cancel")) {
                    ObjectNode batch = batches.get(path.substring("/v1/batches/".length(), path.length() - "/cancel".length()));
                    synchronized (this) {
                        if (batch != null && !batch.path("status").asString().matches("completed|failed|expired|cancelled")) {
                            batch.put("status", "cancelling");
                        }
                    }
                    send(exchange, batch == null ? 404 : 200, batch == null ? "{\"error\":{\"message\":\"No such batch\"}}".getBytes()
                            : batch.toString().getBytes(StandardCharsets.UTF_8));
                } else if (method.equals("GET") && path.startsWith("/v1/batches/")) {
                    ObjectNode batch = batches.get(path.substring("/v1/batches/".length()));
                    send(exchange, batch == null ? 404 : 200, batch == null ? "{\"error\":{\"message\":\"No such batch\"}}".getBytes()
                            : advance(batch).toString().getBytes(StandardCharsets.UTF_8));
                } else {
                    send(exchange, 404, "{\"error\":{\"message\":\"Unknown path\"}}".getBytes());
                }
            } catch (IOException clientGone) {
                // as a real server would, carry on
            }
        }

        /** One page of the list, newest first: {@code limit} (1 to 100, default 20) after the batch {@code after}. */
        private ObjectNode list(String query) {
            Map<String, String> params = new java.util.HashMap<>();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                int eq = pair.indexOf('=');
                params.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            int limit = Math.clamp(Integer.parseInt(params.getOrDefault("limit", "20")), 1, 100);
            List<String> all = batches.keySet().stream()
                    .sorted(java.util.Comparator.comparingInt((String id) -> Integer.parseInt(id.substring("batch_".length()))).reversed())
                    .toList();
            int from = params.containsKey("after") ? all.indexOf(params.get("after")) + 1 : 0;
            List<String> page = all.subList(from, Math.min(all.size(), from + limit));
            ObjectNode list = JSON.createObjectNode().put("object", "list");
            var data = list.putArray("data");
            page.forEach(id -> data.add(batches.get(id)));
            list.put("first_id", page.isEmpty() ? null : page.getFirst()).put("last_id", page.isEmpty() ? null : page.getLast())
                    .put("has_more", from + limit < all.size());
            return list;
        }

        private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        /** A multipart upload: the {@code purpose} field and the {@code file} part's bytes. */
        private ObjectNode upload(String contentType, byte[] body) {
            String boundary = "--" + contentType.substring(contentType.indexOf("boundary=") + "boundary=".length()).replace("\"", "");
            String text = new String(body, StandardCharsets.ISO_8859_1);
            byte[] file = null;
            String purpose = null;
            for (String part : text.split(Pattern.quote(boundary))) {
                int split = part.indexOf("\r\n\r\n");
                if (split < 0) {
                    continue;
                }
                String headers = part.substring(0, split);
                String content = part.substring(split + 4, part.endsWith("\r\n") ? part.length() - 2 : part.length());
                if (headers.contains("name=\"file\"")) {
                    file = content.getBytes(StandardCharsets.ISO_8859_1);
                } else if (headers.contains("name=\"purpose\"")) {
                    purpose = content;
                }
            }
            purposes.add(String.valueOf(purpose));
            String id = "file-" + ids.incrementAndGet();
            files.put(id, file == null ? new byte[0] : file);
            return JSON.createObjectNode().put("id", id).put("object", "file").put("bytes", file == null ? 0 : file.length)
                    .put("purpose", purpose).put("filename", "input.jsonl");
        }

        private ObjectNode create(JsonNode request) {
            String id = "batch_" + ids.incrementAndGet();
            ObjectNode batch = JSON.createObjectNode().put("id", id).put("object", "batch")
                    .put("endpoint", request.path("endpoint").asString()).put("input_file_id", request.path("input_file_id").asString())
                    .put("completion_window", request.path("completion_window").asString()).put("status", "validating")
                    .put("created_at", System.currentTimeMillis() / 1000).putNull("output_file_id").putNull("error_file_id");
            batches.put(id, batch);
            created.add(id);
            batch.putObject("request_counts").put("total", requests(id).size()).put("completed", 0).put("failed", 0);
            return batch.deepCopy();
        }

        private synchronized ObjectNode advance(ObjectNode batch) {
            polls.incrementAndGet();
            String status = batch.path("status").asString();
            switch (status) {
                case "validating" -> batch.put("status", "in_progress");
                case "in_progress" -> {
                    if (!hold) {
                        batch.put("status", "finalizing");
                    }
                }
                case "finalizing" -> finish(batch);
                case "cancelling" -> finish(batch);
                default -> {
                }
            }
            return batch.deepCopy();
        }

        /** Answers the batch's lines and ends it. */
        private void finish(ObjectNode batch) {
            String id = batch.path("id").asString();
            String end = batch.path("status").asString().equals("cancelling") ? "cancelled" : ending.apply(created.indexOf(id) + 1);
            end = end == null ? "completed" : end;
            List<JsonNode> requests = requests(id);
            if (end.equals("failed")) {
                batch.put("status", "failed").putObject("errors").put("object", "list").putArray("data").addObject()
                        .put("code", "invalid_request").put("message", "The batch could not be processed.");
                batch.putObject("request_counts").put("total", requests.size()).put("completed", 0).put("failed", 0);
                return;
            }
            int answered = end.equals("completed") ? requests.size() : requests.size() / 2;
            List<String> output = new ArrayList<>(), errors = new ArrayList<>();
            for (JsonNode line : requests.subList(0, answered)) {
                Call call = call(line.path("body"), "batch:" + id, null);
                String failure = lineError.apply(call);
                ObjectNode result = JSON.createObjectNode().put("id", "batch_req_" + call.index())
                        .put("custom_id", line.path("custom_id").asString());
                if (failure != null) {
                    result.putNull("response");
                    result.putObject("error").put("code", "server_error").put("message", failure);
                    errors.add(result.toString());
                    continue;
                }
                Reply reply = reply(call);
                ObjectNode response = result.putObject("response").put("status_code", reply.status()).put("request_id", "req_" + call.index());
                try {
                    response.set("body", JSON.readTree(reply.body()));
                } catch (JacksonException e) {
                    response.put("body", reply.body());
                }
                result.putNull("error");
                (reply.status() == 200 ? output : errors).add(result.toString());
            }
            // Answers come in any order: here, never the order asked.
            java.util.Collections.reverse(output);
            java.util.Collections.shuffle(output, new java.util.Random(id.hashCode()));
            if (!output.isEmpty()) {
                String file = "file-" + ids.incrementAndGet();
                files.put(file, (String.join("\n", output) + "\n").getBytes(StandardCharsets.UTF_8));
                batch.put("output_file_id", file);
            }
            if (!errors.isEmpty()) {
                String file = "file-" + ids.incrementAndGet();
                files.put(file, (String.join("\n", errors) + "\n").getBytes(StandardCharsets.UTF_8));
                batch.put("error_file_id", file);
            }
            batch.putObject("request_counts").put("total", requests.size()).put("completed", output.size()).put("failed", errors.size());
            batch.put("status", end).put("completed_at", System.currentTimeMillis() / 1000);
        }
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
