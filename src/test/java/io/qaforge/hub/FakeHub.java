package io.qaforge.hub;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An in-process Hugging Face Hub speaking the upload protocol as the official huggingface_hub client uses it: whoami, repo
 * create (409 when it exists), preupload (Parquet, weights, images and big files go to LFS), LFS batch with basic or
 * multipart transfer and verify, NDJSON commit. Dataset repos live under {@code /api/datasets/} and {@code /datasets/},
 * model repos (created without a type, as the official client does) under {@code /api/models/} and {@code /}. It keeps
 * each repo's files, and fails calls on request to test the client's answers.
 */
public class FakeHub implements AutoCloseable {

    public static final String WRITE_TOKEN = "hf_fake_write_token_0123456789";
    static final String READ_TOKEN = "hf_fake_read_token_0123456789";

    record Request(String method, String path, String authorization) {
    }

    private record Failure(String method, String pathPart, int status, Map<String, String> headers, String body) {
    }

    private final JsonMapper json = new JsonMapper();
    private final HttpServer server;
    public final Map<String, Map<String, byte[]>> repos = new ConcurrentHashMap<>();
    public final Map<String, Map<String, byte[]>> models = new ConcurrentHashMap<>();
    final Map<String, Boolean> privacy = new ConcurrentHashMap<>();
    private final Map<String, byte[]> lfs = new ConcurrentHashMap<>();
    private final Map<String, Map<Integer, byte[]>> parts = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    volatile long regularLimit = 5_000_000;
    volatile long multipartChunk = 0;

    public FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next call whose path contains {@code pathPart} is answered {@code status}. */
    void failNext(String method, String pathPart, int status, Map<String, String> headers, String error) {
        failures.add(new Failure(method, pathPart, status, headers, "{\"error\":\"" + error + "\"}"));
    }

    long count(String method, String pathPart) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().contains(pathPart)).count();
    }

    void reset() {
        repos.clear();
        models.clear();
        privacy.clear();
        lfs.clear();
        parts.clear();
        requests.clear();
        failures.clear();
        regularLimit = 5_000_000;
        multipartChunk = 0;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(method, path, authorization));
            byte[] body = exchange.getRequestBody().readAllBytes();
            for (Failure failure : failures) {
                if (failure.method().equals(method) && path.contains(failure.pathPart()) && failures.remove(failure)) {
                    failure.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                    send(exchange, failure.status(), failure.body());
                    return;
                }
            }
            // Presigned storage URLs (upload, parts, completion) take no token; verify is the Hub's own and needs it.
            boolean storage = path.startsWith("/lfs-") && !path.startsWith("/lfs-verify/");
            if (!storage && !("Bearer " + WRITE_TOKEN).equals(authorization) && !("Bearer " + READ_TOKEN).equals(authorization)) {
                exchange.getResponseHeaders().add("X-Error-Message", "Invalid credentials in Authorization header");
                send(exchange, 401, "{\"error\":\"Invalid credentials in Authorization header\"}");
                return;
            }
            if (storage && authorization != null) {
                send(exchange, 400, "{\"error\":\"presigned storage URLs take no Authorization header\"}");
                return;
            }
            boolean write = ("Bearer " + WRITE_TOKEN).equals(authorization);
            if (method.equals("GET") && path.equals("/api/whoami-v2")) {
                send(exchange, 200, "{\"type\":\"user\",\"name\":\"alice\",\"auth\":{\"accessToken\":{\"role\":\"" + (write ? "write" : "read") + "\"}}}");
            } else if (!storage && !write) {
                send(exchange, 403, "{\"error\":\"You don't have the rights to write to this repo\"}");
            } else if (method.equals("POST") && path.equals("/api/repos/create")) {
                createRepo(exchange, json.readTree(body));
            } else if (method.equals("POST") && path.matches("/api/(datasets|models)/[^/]+/[^/]+/preupload/main")) {
                preupload(exchange, kind(path).get(repo(path)), json.readTree(body));
            } else if (method.equals("POST") && path.matches("(/datasets)?/[^/]+/[^/]+\\.git/info/lfs/objects/batch")) {
                batch(exchange, json.readTree(body));
            } else if (method.equals("PUT") && path.startsWith("/lfs-upload/")) {
                store(exchange, path.substring("/lfs-upload/".length()), body);
            } else if (method.equals("PUT") && path.startsWith("/lfs-part/")) {
                String[] p = path.substring("/lfs-part/".length()).split("/");
                parts.computeIfAbsent(p[0], k -> new ConcurrentHashMap<>()).put(Integer.parseInt(p[1]), body);
                exchange.getResponseHeaders().add("ETag", "\"etag-" + p[1] + "\"");
                send(exchange, 200, "");
            } else if (method.equals("POST") && path.startsWith("/lfs-complete/")) {
                complete(exchange, path.substring("/lfs-complete/".length()), json.readTree(body));
            } else if (method.equals("POST") && path.startsWith("/lfs-verify/")) {
                JsonNode verify = json.readTree(body);
                byte[] stored = lfs.get(verify.path("oid").asString());
                send(exchange, stored != null && stored.length == verify.path("size").asLong() ? 200 : 404, "{}");
            } else if (method.equals("POST") && path.matches("/api/(datasets|models)/[^/]+/[^/]+/commit/main")) {
                commit(exchange, path.startsWith("/api/models/"), repo(path), new String(body, StandardCharsets.UTF_8));
            } else {
                send(exchange, 404, "{\"error\":\"no route " + method + " " + path + "\"}");
            }
        }
    }

    private static String repo(String path) {
        String[] p = path.split("/");
        int start = path.startsWith("/api/") ? 3 : 2;
        return p[start] + "/" + p[start + 1];
    }

    /** The repos of the path's kind: models or datasets. */
    private Map<String, Map<String, byte[]>> kind(String path) {
        return path.startsWith("/api/models/") ? models : repos;
    }

    private void createRepo(HttpExchange exchange, JsonNode body) throws IOException {
        String type = body.path("type").asString("model");
        if (!type.equals("dataset") && !type.equals("model")) {
            send(exchange, 400, "{\"error\":\"type must be dataset or model here\"}");
            return;
        }
        String id = body.path("organization").asString("alice") + "/" + body.path("name").asString();
        String page = url() + (type.equals("dataset") ? "/datasets/" : "/") + id;
        boolean isPrivate = body.has("visibility") ? body.path("visibility").asString().equals("private") : body.path("private").asBoolean();
        if ((type.equals("dataset") ? repos : models).putIfAbsent(id, new ConcurrentHashMap<>()) != null) {
            send(exchange, 409, "{\"error\":\"You already created this " + type + " repo\",\"url\":\"" + page + "\"}");
            return;
        }
        privacy.put(type.equals("dataset") ? id : "model:" + id, isPrivate);
        send(exchange, 200, "{\"url\":\"" + page + "\",\"name\":\"" + id + "\",\"id\":\"66a\"}");
    }

    private void preupload(HttpExchange exchange, Map<String, byte[]> repo, JsonNode body) throws IOException {
        if (repo == null) {
            exchange.getResponseHeaders().add("X-Error-Code", "RepoNotFound");
            send(exchange, 404, "{\"error\":\"Repository not found\"}");
            return;
        }
        List<Map<String, Object>> files = new ArrayList<>();
        for (JsonNode file : body.path("files")) {
            byte[] sample = Base64.getDecoder().decode(file.path("sample").asString());
            if (sample.length > 512 || (file.path("size").asLong() > 0 && sample.length == 0)) {
                send(exchange, 400, "{\"error\":\"bad sample\"}");
                return;
            }
            String path = file.path("path").asString();
            boolean large = path.matches(".*\\.(parquet|safetensors|bin|png)") || file.path("size").asLong() > regularLimit;
            files.add(Map.of("path", path, "uploadMode", large ? "lfs" : "regular", "shouldIgnore", false));
        }
        send(exchange, 200, json.writeValueAsString(Map.of("files", files, "commitOid", "0".repeat(40))));
    }

    private void batch(HttpExchange exchange, JsonNode body) throws IOException {
        if (!"application/vnd.git-lfs+json".equals(exchange.getRequestHeaders().getFirst("Content-Type"))
                || !body.path("operation").asString().equals("upload") || !body.path("hash_algo").asString().equals("sha256")) {
            send(exchange, 422, "{\"message\":\"not an LFS upload batch\"}");
            return;
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        boolean multipart = false;
        for (JsonNode object : body.path("objects")) {
            String oid = object.path("oid").asString();
            long size = object.path("size").asLong();
            if (lfs.containsKey(oid)) {
                objects.add(Map.of("oid", oid, "size", size));
                continue;
            }
            Map<String, Object> upload;
            if (multipartChunk > 0) {
                multipart = true;
                Map<String, Object> header = new java.util.TreeMap<>();
                header.put("chunk_size", Long.toString(multipartChunk));
                for (long part = 1; part <= (size + multipartChunk - 1) / multipartChunk; part++) {
                    header.put(String.format("%05d", part), url() + "/lfs-part/" + oid + "/" + part);
                }
                upload = Map.of("href", url() + "/lfs-complete/" + oid, "header", header);
            } else {
                upload = Map.of("href", url() + "/lfs-upload/" + oid, "header", Map.of());
            }
            objects.add(Map.of("oid", oid, "size", size, "actions",
                    Map.of("upload", upload, "verify", Map.of("href", url() + "/lfs-verify/" + oid, "header", Map.of()))));
        }
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.git-lfs+json");
        send(exchange, 200, json.writeValueAsString(Map.of("transfer", multipart ? "multipart" : "basic", "objects", objects)));
    }

    private void store(HttpExchange exchange, String oid, byte[] body) throws IOException {
        if (!sha256(body).equals(oid)) {
            send(exchange, 400, "{\"error\":\"sha256 mismatch\"}");
            return;
        }
        lfs.put(oid, body);
        send(exchange, 200, "");
    }

    private void complete(HttpExchange exchange, String oid, JsonNode body) throws IOException {
        Map<Integer, byte[]> uploaded = parts.getOrDefault(oid, Map.of());
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        int n = 1;
        for (JsonNode part : body.path("parts")) {
            if (part.path("partNumber").asInt() != n || !part.path("etag").asString().equals("\"etag-" + n + "\"") || !uploaded.containsKey(n)) {
                send(exchange, 400, "{\"error\":\"bad part " + part + "\"}");
                return;
            }
            whole.writeBytes(uploaded.get(n++));
        }
        if (n - 1 != uploaded.size()) {
            send(exchange, 400, "{\"error\":\"parts missing\"}");
            return;
        }
        store(exchange, oid, whole.toByteArray());
    }

    private void commit(HttpExchange exchange, boolean model, String repo, String ndjson) throws IOException {
        if (!"application/x-ndjson".equals(exchange.getRequestHeaders().getFirst("Content-Type"))) {
            send(exchange, 415, "{\"error\":\"commit must be application/x-ndjson\"}");
            return;
        }
        Map<String, byte[]> files = (model ? models : repos).get(repo);
        if (files == null) {
            send(exchange, 404, "{\"error\":\"Repository not found\"}");
            return;
        }
        List<String> lines = ndjson.lines().toList();
        if (lines.isEmpty() || !json.readTree(lines.getFirst()).path("key").asString().equals("header")) {
            send(exchange, 400, "{\"error\":\"the header must come first\"}");
            return;
        }
        Map<String, byte[]> staged = new ConcurrentHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonNode entry = json.readTree(line);
            JsonNode value = entry.path("value");
            switch (entry.path("key").asString()) {
                case "file" -> staged.put(value.path("path").asString(), Base64.getDecoder().decode(value.path("content").asString()));
                case "lfsFile" -> {
                    byte[] content = lfs.get(value.path("oid").asString());
                    if (content == null || content.length != value.path("size").asLong() || !value.path("algo").asString().equals("sha256")) {
                        send(exchange, 422, "{\"error\":\"LFS object " + value.path("oid").asString() + " was not uploaded\"}");
                        return;
                    }
                    staged.put(value.path("path").asString(), content);
                }
                default -> {
                    send(exchange, 400, "{\"error\":\"unknown key\"}");
                    return;
                }
            }
        }
        files.putAll(staged);
        send(exchange, 200, "{\"success\":true,\"commitOid\":\"abc123\",\"commitUrl\":\"" + url() + (model ? "/" : "/datasets/") + repo
                + "/commit/abc123\",\"hookOutput\":\"\"}");
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!exchange.getResponseHeaders().containsKey("Content-Type")) {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
