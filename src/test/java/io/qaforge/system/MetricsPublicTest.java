package io.qaforge.system;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;

import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"qaforge.security.api-token=s3cret-api", "qaforge.security.metrics-public=true"})
@AutoConfigureMetrics
class MetricsPublicTest {

    @Autowired
    TestRestTemplate http;

    @Test
    void publicMetricsNeedNoTokenWhileTheApiStillDoes() {
        assertThat(http.getForEntity("/actuator/prometheus", String.class).getStatusCode().value()).isEqualTo(200);
        assertThat(http.getForEntity("/api/documents", String.class).getStatusCode().value()).isEqualTo(401);
    }
}
