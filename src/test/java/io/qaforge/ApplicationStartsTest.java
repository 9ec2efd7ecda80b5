package io.qaforge;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApplicationStartsTest {

    @Autowired
    TestRestTemplate http;

    @Test
    void healthIsUpAndTheApiIsDescribed() {
        assertThat(http.getForObject("/actuator/health", String.class)).contains("\"status\":\"UP\"");
        assertThat(http.getForObject("/v3/api-docs", String.class)).contains("/api/documents");
    }
}
