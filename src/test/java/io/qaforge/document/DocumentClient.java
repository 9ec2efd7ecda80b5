package io.qaforge.document;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;

import static org.awaitility.Awaitility.await;

/** The document API as the tests call it. */
record DocumentClient(TestRestTemplate http) {

    ResponseEntity<JsonNode> upload(byte[] bytes, String fileName, Map<String, String> fields) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return fileName;
            }
        });
        fields.forEach(body::add);
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return http.postForEntity("/api/documents", new HttpEntity<>(body, headers), JsonNode.class);
    }

    ResponseEntity<JsonNode> upload(byte[] bytes, String fileName) {
        return upload(bytes, fileName, Map.of());
    }

    /** Uploads and waits until the document is READY or FAILED, however the upload was answered (201 or 202). */
    JsonNode uploadAndSettle(byte[] bytes, String fileName, Map<String, String> fields) {
        ResponseEntity<JsonNode> response = upload(bytes, fileName, fields);
        if (!response.getStatusCode().is2xxSuccessful()) {
            throw new AssertionError("upload answered " + response.getStatusCode() + ": " + response.getBody());
        }
        return settle(response.getBody().get("id").asString());
    }

    JsonNode settle(String id) {
        return await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> document(id), d -> !d.get("status").asString().equals("PROCESSING"));
    }

    JsonNode document(String id) {
        return http.getForObject("/api/documents/" + id, JsonNode.class);
    }

    String text(String id) {
        return http.getForObject("/api/documents/" + id + "/text", String.class);
    }

    List<JsonNode> chunks(String id) {
        JsonNode page = http.getForObject("/api/documents/" + id + "/chunks?size=1000", JsonNode.class);
        List<JsonNode> chunks = new ArrayList<>();
        page.get("content").forEach(chunks::add);
        return chunks;
    }
}
