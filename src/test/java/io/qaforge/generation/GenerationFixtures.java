package io.qaforge.generation;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.LinkedMultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Test documents and HTTP helpers shared by the generation tests. */
final class GenerationFixtures {

    static final JsonMapper JSON = new JsonMapper();

    private GenerationFixtures() {
    }

    /** A plain-text document of {@code facts} paragraphs, each opening with its "Fact N" marker that the fake keys on. */
    static String document(String title, int facts) {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= facts; i++) {
            text.append("Fact ").append(i).append(". In ").append(title).append(", rule ").append(i)
                    .append(" says that a team of six players must restart play within ").append(i % 7 + 3)
                    .append(" seconds after a touch, standing ").append(i % 5 + 5).append(" metres back from the mark. ")
                    .append("A referee who sees rule ").append(i).append(" broken awards a penalty to the other team, and ")
                    .append("repeated breaches of it lead to a sin bin of ").append(i % 3 + 2).append(" minutes.\n\n");
        }
        return text.toString();
    }

    static UUID upload(TestRestTemplate http, String name, String text) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(text.getBytes()) {
            @Override
            public String getFilename() {
                return name;
            }
        });
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        ResponseEntity<JsonNode> response = http.postForEntity("/api/documents", new HttpEntity<>(body, headers), JsonNode.class);
        assertThat(response.getStatusCode().is2xxSuccessful()).as(String.valueOf(response.getBody())).isTrue();
        return UUID.fromString(response.getBody().get("id").asString());
    }

    static ResponseEntity<JsonNode> post(TestRestTemplate http, String path, Object body) {
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        try {
            return http.postForEntity(path, new HttpEntity<>(JSON.writeValueAsString(body), headers), JsonNode.class);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static UUID createJob(TestRestTemplate http, Map<String, Object> request) {
        ResponseEntity<JsonNode> response = post(http, "/api/jobs", request);
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(201);
        return UUID.fromString(response.getBody().get("id").asString());
    }

    static JsonNode job(TestRestTemplate http, UUID id) {
        return http.getForObject("/api/jobs/" + id, JsonNode.class);
    }

    /** Polls the job until it reaches a terminal status (or the deadline passes) and answers its last view. */
    static JsonNode awaitEnd(TestRestTemplate http, UUID id, Duration timeout) {
        return await("job " + id + " to end").atMost(timeout).pollInterval(Duration.ofMillis(50))
                .until(() -> job(http, id), view -> JobStatus.valueOf(view.get("status").asString()).terminal());
    }
}
