package io.qaforge.hub;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

import io.qaforge.system.Backoff;
import io.qaforge.system.RetryAfter;

/**
 * The Hugging Face Hub's upload protocol over plain HTTP: create repo, preupload, LFS batch and transfer, NDJSON commit.
 * Calls answered 408, 429 or 5xx (or not at all) are retried with doubling, jittered backoff that yields to the
 * server's Retry-After; the commit only on 429, since a commit that failed halfway may have been applied.
 * The token goes to the Hub's own URLs only, never to the presigned storage URLs that LFS uploads go to, and no
 * request is logged.
 */
@Component
class HubClient {

    /** One file of a commit, with what the protocol needs to know about it. */
    record UploadFile(String path, Path file, long size, String sha256) {

        byte[] sample() throws IOException {
            try (InputStream in = Files.newInputStream(file)) {
                return in.readNBytes(512);
            }
        }
    }

    record Whoami(String name, String role) {
    }

    /** Datasets and models live under different paths; the official client leaves a model repo's type out of its create call. */
    enum RepoType {
        DATASET("dataset", "datasets/"), MODEL(null, "");

        private final String createType;
        private final String urlPrefix;

        RepoType(String createType, String urlPrefix) {
            this.createType = createType;
            this.urlPrefix = urlPrefix;
        }

        /** {@code /api/datasets} or {@code /api/models}. */
        String api() {
            return "/api/" + (this == DATASET ? "datasets" : "models") + "/";
        }

        /** The repo's page and git path: {@code <endpoint>/datasets/<id>} or {@code <endpoint>/<id>}. */
        String url(URI endpoint, String repoId) {
            return endpoint + "/" + urlPrefix + repoId;
        }
    }

    private static final MediaType LFS_JSON = MediaType.parseMediaType("application/vnd.git-lfs+json");
    private static final MediaType NDJSON = MediaType.parseMediaType("application/x-ndjson");
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(2);
    private static final Pattern RATE_LIMIT_RESET = Pattern.compile(";\\s*t=(\\d+)");

    private final HubProperties properties;
    private final JsonMapper json;
    private final RestClient rest;
    private final Backoff backoff;

    HubClient(HubProperties properties, JsonMapper json, RestClient.Builder builder) {
        this.properties = properties;
        this.json = json;
        this.backoff = new Backoff(properties.initialBackoff(), MAX_BACKOFF);
        var factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).build());
        factory.setReadTimeout(Duration.ofMinutes(10));
        this.rest = builder.clone().requestFactory(factory).baseUrl(properties.endpoint().toString()).build();
    }

    Whoami whoami(String token) {
        JsonNode me = withRetry(false, () -> rest.get().uri("/api/whoami-v2").headers(auth(token))
                .retrieve().onStatus(HttpStatusCode::isError, this::fail).body(JsonNode.class));
        return new Whoami(me.path("name").asString(null), me.path("auth").path("accessToken").path("role").asString(null));
    }

    /** Creates the repo; one that exists already (409) is fine. */
    void createRepo(String token, RepoType type, String repoId, boolean isPrivate) {
        String[] parts = repoId.split("/", 2);
        Map<String, Object> body = new HashMap<>(Map.of("organization", parts[0], "name", parts[1], "private", isPrivate));
        if (type.createType != null) {
            body.put("type", type.createType);
        }
        withRetry(false, () -> rest.post().uri("/api/repos/create").headers(auth(token)).contentType(MediaType.APPLICATION_JSON)
                .body(body).exchange((request, response) -> {
                    if (response.getStatusCode().value() == 409 || response.getStatusCode().is2xxSuccessful()) {
                        return null;
                    }
                    throw error(response);
                }));
    }

    /** Asks the Hub how each file must travel: path to {@code regular}, {@code lfs} or {@code ignore}. */
    Map<String, String> preupload(String token, RepoType type, String repoId, List<UploadFile> files) throws IOException {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (UploadFile file : files) {
            entries.add(Map.of("path", file.path(), "size", file.size(), "sample", Base64.getEncoder().encodeToString(file.sample())));
        }
        JsonNode answer = withRetry(false, () -> rest.post()
                .uri(builder -> builder.path(type.api()).path(repoId).path("/preupload/main").build())
                .headers(auth(token)).contentType(MediaType.APPLICATION_JSON).body(Map.of("files", entries))
                .retrieve().onStatus(HttpStatusCode::isError, this::fail).body(JsonNode.class));
        Map<String, String> modes = new HashMap<>();
        for (JsonNode file : answer.path("files")) {
            modes.put(file.path("path").asString(), file.path("shouldIgnore").asBoolean() ? "ignore" : file.path("uploadMode").asString("regular"));
        }
        return modes;
    }

    /** Stores the files' contents in LFS: batch, then a basic or multipart transfer and a verify where asked. */
    void uploadLfs(String token, RepoType type, String repoId, List<UploadFile> files) throws IOException {
        if (files.isEmpty()) {
            return;
        }
        List<Map<String, Object>> objects = files.stream().<Map<String, Object>>map(f -> Map.of("oid", f.sha256(), "size", f.size())).toList();
        Map<String, Object> request = Map.of("operation", "upload", "transfers", List.of("basic", "multipart"), "hash_algo", "sha256",
                "ref", Map.of("name", "main"), "objects", objects);
        JsonNode batch = withRetry(false, () -> rest.post()
                .uri(type.url(properties.endpoint(), repoId) + ".git/info/lfs/objects/batch")
                .headers(auth(token)).accept(LFS_JSON).contentType(LFS_JSON).body(request)
                .retrieve().onStatus(HttpStatusCode::isError, this::fail).body(JsonNode.class));
        Map<String, UploadFile> byOid = new HashMap<>();
        files.forEach(f -> byOid.put(f.sha256(), f));
        for (JsonNode object : batch.path("objects")) {
            UploadFile file = byOid.get(object.path("oid").asString());
            if (object.has("error")) {
                throw new HubException(object.path("error").path("code").asInt(500),
                        "LFS refused " + (file == null ? object.path("oid").asString() : file.path()) + ": " + object.path("error").path("message").asString(), null);
            }
            JsonNode actions = object.path("actions");
            if (file == null || actions.isMissingNode() || !actions.has("upload")) {
                continue; // already stored
            }
            JsonNode upload = actions.get("upload");
            if (upload.path("header").has("chunk_size")) {
                multipart(file, upload);
            } else {
                withRetry(false, () -> rest.put().uri(URI.create(upload.path("href").asString())).headers(actionHeaders(upload))
                        .contentLength(file.size()).body(slice(file.file(), 0, file.size()))
                        .retrieve().onStatus(HttpStatusCode::isError, this::fail).toBodilessEntity());
            }
            if (actions.has("verify")) {
                JsonNode verify = actions.get("verify");
                withRetry(false, () -> rest.post().uri(URI.create(verify.path("href").asString())).headers(actionHeaders(verify))
                        .headers(hubOnly(verify.path("href").asString(), token)).contentType(LFS_JSON).accept(LFS_JSON)
                        .body(Map.of("oid", file.sha256(), "size", file.size()))
                        .retrieve().onStatus(HttpStatusCode::isError, this::fail).toBodilessEntity());
            }
        }
    }

    private void multipart(UploadFile file, JsonNode upload) {
        JsonNode header = upload.path("header");
        long chunkSize = header.path("chunk_size").asLong();
        List<String> partUrls = new ArrayList<>();
        for (String name : header.propertyNames()) {
            if (name.matches("\\d+")) {
                partUrls.add(name);
            }
        }
        partUrls.sort(Comparator.comparingInt(Integer::parseInt));
        long expected = (file.size() + chunkSize - 1) / chunkSize;
        if (chunkSize <= 0 || partUrls.size() != expected) {
            throw new HubException(502, "LFS offered " + partUrls.size() + " parts of " + chunkSize + " bytes for "
                    + file.size() + " bytes of " + file.path(), null);
        }
        List<Map<String, Object>> parts = new ArrayList<>();
        for (int i = 0; i < partUrls.size(); i++) {
            long offset = i * chunkSize;
            long length = Math.min(chunkSize, file.size() - offset);
            String url = header.path(partUrls.get(i)).asString();
            String etag = withRetry(false, () -> rest.put().uri(URI.create(url)).contentLength(length).body(slice(file.file(), offset, length))
                    .retrieve().onStatus(HttpStatusCode::isError, this::fail).toBodilessEntity().getHeaders().getFirst(HttpHeaders.ETAG));
            parts.add(Map.of("partNumber", i + 1, "etag", etag == null ? "" : etag));
        }
        withRetry(false, () -> rest.post().uri(URI.create(upload.path("href").asString())).contentType(LFS_JSON).accept(LFS_JSON)
                .body(Map.of("oid", file.sha256(), "parts", parts))
                .retrieve().onStatus(HttpStatusCode::isError, this::fail).toBodilessEntity());
    }

    /** Commits the files (regular ones inline as base64, LFS ones as pointers) and returns the commit's URL. */
    String commit(String token, RepoType type, String repoId, String summary, List<UploadFile> regular, List<UploadFile> lfs) {
        StreamingHttpOutputMessage.Body body = out -> {
            line(out, Map.of("key", "header", "value", Map.of("summary", summary, "description", "")));
            for (UploadFile file : regular) {
                out.write(("{\"key\":\"file\",\"value\":{\"path\":" + json.writeValueAsString(file.path())
                        + ",\"encoding\":\"base64\",\"content\":\"").getBytes(StandardCharsets.UTF_8));
                try (OutputStream base64 = Base64.getEncoder().wrap(nonClosing(out))) {
                    Files.copy(file.file(), base64);
                }
                out.write("\"}}\n".getBytes(StandardCharsets.UTF_8));
            }
            for (UploadFile file : lfs) {
                line(out, Map.of("key", "lfsFile", "value", Map.of("path", file.path(), "algo", "sha256", "oid", file.sha256(), "size", file.size())));
            }
        };
        JsonNode answer = withRetry(true, () -> rest.post()
                .uri(builder -> builder.path(type.api()).path(repoId).path("/commit/main").build())
                .headers(auth(token)).contentType(NDJSON).body(body)
                .retrieve().onStatus(HttpStatusCode::isError, this::fail).body(JsonNode.class));
        return answer.path("commitUrl").asString(null);
    }

    private void line(OutputStream out, Object value) throws IOException {
        out.write(json.writeValueAsBytes(value));
        out.write('\n');
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    private static StreamingHttpOutputMessage.Body slice(Path file, long offset, long length) {
        return out -> {
            try (FileChannel channel = FileChannel.open(file)) {
                WritableByteChannel target = Channels.newChannel(out);
                for (long done = 0; done < length; ) {
                    done += channel.transferTo(offset + done, length - done, target);
                }
            }
        };
    }

    private static Consumer<HttpHeaders> auth(String token) {
        return headers -> headers.setBearerAuth(token);
    }

    /** Bearer only where the URL is the Hub's own: an LFS action may point at third-party storage. */
    private Consumer<HttpHeaders> hubOnly(String href, String token) {
        return headers -> {
            if (href.startsWith(properties.endpoint().toString())) {
                headers.setBearerAuth(token);
            }
        };
    }

    private static Consumer<HttpHeaders> actionHeaders(JsonNode action) {
        return headers -> action.path("header").properties().forEach(e -> headers.set(e.getKey(), e.getValue().asString()));
    }

    private void fail(HttpRequest request, ClientHttpResponse response) throws IOException {
        throw error(response);
    }

    private HubException error(ClientHttpResponse response) throws IOException {
        int status = response.getStatusCode().value();
        String message = response.getHeaders().getFirst("X-Error-Message");
        byte[] body = response.getBody().readNBytes(8192);
        if (message == null) {
            try {
                message = json.readTree(body).path("error").asString(null);
            } catch (JacksonException notJson) {
                message = null;
            }
        }
        if (message == null) {
            message = new String(body, StandardCharsets.UTF_8).strip();
        }
        if (message.length() > 500) {
            message = message.substring(0, 500) + "…";
        }
        return new HubException(status, "Hub answered " + status + (message.isEmpty() ? "" : ": " + message), retryAfter(response.getHeaders()));
    }

    /** {@code Retry-After}, or the reset of the Hub's own {@code RateLimit} header ({@code ...;t=<seconds>}). */
    static Duration retryAfter(HttpHeaders headers) {
        String retryAfter = headers.getFirst(HttpHeaders.RETRY_AFTER);
        if (retryAfter != null) {
            return RetryAfter.parse(retryAfter);
        }
        String rateLimit = headers.getFirst("RateLimit");
        if (rateLimit != null) {
            Matcher reset = RATE_LIMIT_RESET.matcher(rateLimit);
            if (reset.find()) {
                return Duration.ofSeconds(Long.parseLong(reset.group(1)));
            }
        }
        return null;
    }

    /** Connection failures often carry no message (a refused connection, a timeout): their type says what happened. */
    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        String type = cause.getClass().getSimpleName();
        return message == null || message.isBlank() ? type : type + " (" + message + ")";
    }

    private <T> T withRetry(boolean commit, Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            HubException failure;
            try {
                return call.get();
            } catch (HubException e) {
                failure = e;
            } catch (ResourceAccessException e) {
                failure = new HubException(0, "Hub unreachable at " + properties.endpoint() + ": " + describe(e.getMostSpecificCause()), null);
            }
            boolean retry = commit ? failure.status() == 429 : failure.transientFailure();
            if (!retry || attempt >= properties.maxAttempts()) {
                throw failure;
            }
            Duration asked = failure.retryAfter() == null || failure.retryAfter().compareTo(MAX_RETRY_AFTER) <= 0
                    ? failure.retryAfter() : MAX_RETRY_AFTER;
            try {
                Thread.sleep(backoff.delay(attempt, asked));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure;
            }
        }
    }
}
