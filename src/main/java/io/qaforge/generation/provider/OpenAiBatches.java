package io.qaforge.generation.provider;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;

/**
 * OpenAI's Files and Batches API: upload a JSONL file of chat completion requests ({@code purpose=batch}), create a
 * batch of it, ask after the batch, read its output and error files line by line (a file may hold 200 MB).
 */
public class OpenAiBatches {

    /** What the provider says of a batch; the ids of its output and error files once it has them. */
    public record Batch(String id, String inputFileId, String status, String outputFileId, String errorFileId, int total, int completed,
                 int failed, String error, Instant completedAt) {

        /** After these the batch changes no more; its files hold every answer it will give. */
        static final Set<String> FINAL = Set.of("completed", "failed", "expired", "cancelled");

        public boolean ended() {
            return FINAL.contains(status);
        }
    }

    /** How far one search for a cut-off submission pages through the provider's batch list (100 a page). */
    static final int MAX_LIST_PAGES = 50;

    private final RestClient http;
    private final JsonMapper json;

    OpenAiBatches(String baseUrl, String apiKey, Duration timeout, JsonMapper json) {
        this.json = json;
        var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(baseUrl.startsWith("http://") ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2).build();
        var requests = new JdkClientHttpRequestFactory(client);
        requests.setReadTimeout(timeout);
        var builder = RestClient.builder().baseUrl(baseUrl).requestFactory(requests);
        if (apiKey != null && !apiKey.isBlank()) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
        }
        this.http = builder.build();
    }

    /** Uploads a batch input file; answers its id. */
    public String upload(byte[] jsonl, String name) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("purpose", "batch");
        body.add("file", new ByteArrayResource(jsonl) {
            @Override
            public String getFilename() {
                return name;
            }
        });
        return call(() -> http.post().uri("/v1/files").contentType(MediaType.MULTIPART_FORM_DATA).body(body)
                .retrieve().body(JsonNode.class)).path("id").asString();
    }

    public Batch create(String inputFileId) {
        return batch(call(() -> http.post().uri("/v1/batches").contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("input_file_id", inputFileId, "endpoint", "/v1/chat/completions", "completion_window", "24h"))
                .retrieve().body(JsonNode.class)));
    }

    public Batch get(String batchId) {
        return batch(call(() -> http.get().uri("/v1/batches/{id}", batchId).retrieve().body(JsonNode.class)));
    }

    /** Asks the provider to stop the batch; it ends {@code cancelled}, with what it answered so far. */
    public Batch cancel(String batchId) {
        return batch(call(() -> http.post().uri("/v1/batches/{id}/cancel", batchId).retrieve().body(JsonNode.class)));
    }

    /**
     * The batch made of this input file (a submission cut off before its id was kept), searched in the provider's list,
     * newest first, page by page down to the batches made before {@code since}: null means it certainly made none. A
     * list that cannot be read, or is longer than {@link #MAX_LIST_PAGES} pages down to there, throws: nothing is certain.
     */
    public Batch find(String inputFileId, Instant since) {
        String after = null;
        for (int page = 0; page < MAX_LIST_PAGES; page++) {
            String cursor = after;
            JsonNode list = call(() -> (cursor == null ? http.get().uri("/v1/batches?limit=100")
                    : http.get().uri("/v1/batches?limit=100&after={after}", cursor)).retrieve().body(JsonNode.class));
            JsonNode data = list.path("data");
            for (JsonNode batch : data) {
                if (inputFileId.equals(batch.path("input_file_id").asString())) {
                    return batch(batch);
                }
                if (batch.path("created_at").asLong(Long.MAX_VALUE) < since.getEpochSecond()) {
                    return null;
                }
            }
            if (!list.path("has_more").asBoolean(false) || data.isEmpty()) {
                return null;
            }
            after = list.path("last_id").asString(data.get(data.size() - 1).path("id").asString());
        }
        throw new BatchFailure("the provider lists more than " + MAX_LIST_PAGES * 100 + " batches made since " + since);
    }

    /** Hands each line of a file to {@code line}, as it arrives. */
    public void lines(String fileId, Consumer<String> line) {
        call(() -> http.get().uri("/v1/files/{id}/content", fileId).exchange((request, response) -> {
            if (!response.getStatusCode().is2xxSuccessful()) {
                throw new BatchFailure("reading file " + fileId + ": HTTP " + response.getStatusCode().value());
            }
            try (var reader = new BufferedReader(new InputStreamReader(response.getBody(), StandardCharsets.UTF_8))) {
                for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                    if (!text.isBlank()) {
                        line.accept(text);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }));
    }

    private static Batch batch(JsonNode b) {
        JsonNode counts = b.path("request_counts");
        JsonNode errors = b.path("errors").path("data");
        String error = errors.isArray() && !errors.isEmpty() ? errors.get(0).path("message").asString(null) : null;
        long completedAt = b.path("completed_at").asLong(0);
        return new Batch(b.path("id").asString(), b.path("input_file_id").asString(null), b.path("status").asString(),
                text(b, "output_file_id"), text(b, "error_file_id"), counts.path("total").asInt(), counts.path("completed").asInt(),
                counts.path("failed").asInt(), error == null ? null : ProviderClient.masked(error),
                completedAt > 0 ? Instant.ofEpochSecond(completedAt) : null);
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isString() && !value.asString().isBlank() ? value.asString() : null;
    }

    /** Any failure of these calls, its message fit to store and show (keys masked). */
    public static final class BatchFailure extends RuntimeException {
        BatchFailure(String message) {
            super(message);
        }
    }

    private <T> T call(java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (RestClientResponseException e) {
            String body = e.getResponseBodyAsString();
            String message;
            try {
                message = json.readTree(body).path("error").path("message").asString(body);
            } catch (JacksonException notJson) {
                message = body;
            }
            throw new BatchFailure("HTTP " + e.getStatusCode().value() + ": " + ProviderClient.masked(message));
        } catch (BatchFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BatchFailure(e.getClass().getSimpleName() + ": " + ProviderClient.masked(String.valueOf(e.getMessage())));
        }
    }
}
