package io.qaforge.system;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"qaforge.security.api-token=s3cret-api", "qaforge.security.worker-token=s3cret-worker"})
class ApiTokenTest {

    @Autowired
    TestRestTemplate http;

    @Test
    void apiCallsNeedTheBearerToken() {
        ResponseEntity<JsonNode> anonymous = get("/api/documents", null);
        assertThat(anonymous.getStatusCode().value()).isEqualTo(401);
        assertThat(anonymous.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        assertThat(anonymous.getBody().get("type").asString()).isEqualTo("/problems/unauthorized");

        assertThat(get("/api/documents", "wrong").getStatusCode().value()).isEqualTo(401);
        assertThat(get("/api/documents", "s3cret-worker").getStatusCode().value()).as("worker token is not an API token").isEqualTo(401);
        assertThat(get("/api/documents", "s3cret-api").getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void healthAndApiDocsStayOpen() {
        assertThat(get("/actuator/health", null).getStatusCode().value()).isEqualTo(200);
        assertThat(http.getForEntity("/v3/api-docs", String.class).getStatusCode().value()).isEqualTo(200);
    }

    private ResponseEntity<JsonNode> get(String path, String token) {
        var headers = new HttpHeaders();
        if (token != null) {
            headers.setBearerAuth(token);
        }
        return http.exchange(path, HttpMethod.GET, new HttpEntity<>(headers), JsonNode.class);
    }
}
