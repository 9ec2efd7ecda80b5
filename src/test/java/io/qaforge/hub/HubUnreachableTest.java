package io.qaforge.hub;

import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import io.qaforge.export.PairFixture;

import static org.assertj.core.api.Assertions.assertThat;

/** A Hub that refuses connections is named with what went wrong, not "null". */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"qaforge.hub.endpoint=http://127.0.0.1:1", "qaforge.hub.max-attempts=1"})
class HubUnreachableTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    @Test
    void anUnreachableHubIsReportedWithTheCause() {
        var fixture = new PairFixture(http, jdbc);
        UUID job = fixture.job(fixture.document("unreachable-hub.txt"), new double[] {0.5}, new String[] {"standard"}, 2);

        ResponseEntity<JsonNode> push = http.postForEntity("/api/jobs/{id}/hub-push",
                Map.of("repoId", "alice/x", "token", "hf_anything"), JsonNode.class, job);

        assertThat(push.getStatusCode().value()).isEqualTo(502);
        assertThat(push.getBody().get("type").asString()).isEqualTo("/problems/hub-unavailable");
        assertThat(push.getBody().get("detail").asString()).contains("Hub unreachable at http://127.0.0.1:1: ").doesNotContain("null");
    }
}
