package io.qaforge.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.micrometer.metrics.test.autoconfigure.AutoConfigureMetrics;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every API route, reached through every spelling that a router normalises to it (path parameters, percent-encoded
 * letters, dot segments, doubled slashes), is refused without its token: 401, or 400 for spellings the firewall
 * rejects. Worker routes refuse the API token and API routes the worker token, however spelled.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"qaforge.security.api-token=s3cret-api", "qaforge.security.worker-token=s3cret-worker"})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@AutoConfigureMetrics // Boot leaves metrics exporters (Prometheus) out of tests otherwise
class TokenBypassTest {

    record Route(String method, String path) {
        boolean worker() {
            return path.startsWith("/api/worker/");
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private final HttpClient client = HttpClient.newHttpClient();
    private final List<Route> routes = new ArrayList<>();

    @BeforeAll
    void collectRoutes() {
        for (RequestMappingInfo info : mappings.getHandlerMethods().keySet()) {
            Set<String> methods = new LinkedHashSet<>();
            info.getMethodsCondition().getMethods().forEach(m -> methods.add(m.name()));
            if (methods.isEmpty()) {
                methods.add("GET");
            }
            for (String pattern : info.getPatternValues()) {
                if (pattern.startsWith("/api/")) {
                    String path = pattern.replaceAll("\\{[^}]+}", "00000000-0000-0000-0000-000000000001");
                    methods.forEach(method -> routes.add(new Route(method, path)));
                }
            }
        }
        assertThat(routes).as("the API's routes, user and worker").hasSizeGreaterThan(20)
                .anyMatch(Route::worker).anyMatch(route -> !route.worker());
    }

    @Test
    void noSpellingOfAnyRouteAnswersWithoutItsToken() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Route route : routes) {
            for (String spelling : spellings(route.path())) {
                for (String token : new String[]{null, route.worker() ? "s3cret-api" : "s3cret-worker", "wrong"}) {
                    HttpResponse<String> response = send(route.method(), spelling, token);
                    int status = response.statusCode();
                    boolean refused = status == 401 && response.body().contains("/problems/unauthorized")
                            || status == 400 && response.body().contains("/problems/");
                    boolean unrouted = status == 404 && response.body().contains("/problems/http-404")
                            || status == 405;
                    if (!refused && !unrouted) {
                        failures.add(route.method() + " " + spelling + " with " + token + " → " + status + " " + abbreviate(response.body()));
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void theRightTokenStillOpensEveryRoute() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Route route : routes) {
            String token = route.worker() ? "s3cret-worker" : "s3cret-api";
            for (String spelling : List.of(route.path(), "/%61pi" + route.path().substring(4))) {
                int status = send(route.method(), spelling, token).statusCode();
                if (status == 401) {
                    failures.add(route.method() + " " + spelling);
                }
            }
        }
        assertThat(failures).as("routes refusing their own token").isEmpty();
    }

    @Test
    void metricsNeedTheApiTokenButHealthAndDocsStayOpen() throws Exception {
        assertThat(send("GET", "/actuator/prometheus", null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/actuator/prometheus", "s3cret-worker").statusCode()).isEqualTo(401);
        assertThat(send("GET", "/actuator/prometheus", "s3cret-api").statusCode()).isEqualTo(200);
        assertThat(send("GET", "/actuator/health", null).statusCode()).isEqualTo(200);
        HttpResponse<String> readiness = send("GET", "/actuator/health/readiness", null);
        assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        assertThat(send("GET", "/v3/api-docs", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/index.html", null).statusCode()).isEqualTo(200);
    }

    /** The route as written, and as the bypasses found in the wild spell it. */
    private static List<String> spellings(String path) {
        String rest = path.substring("/api".length());
        String[] segments = path.substring(1).split("/");
        List<String> forms = new ArrayList<>(List.of(
                path,
                "/api;x" + rest,
                "/%61pi" + rest,
                "/a%70i" + rest,
                "/%41PI" + rest,
                "/api/." + rest,
                "/api/x/.." + rest,
                "//api" + rest,
                "/api/" + rest,
                path + ";x",
                "/api%2F" + rest.substring(1),
                "/api%2f" + rest.substring(1),
                "/api%5C" + rest.substring(1),
                "/api/%2e" + rest,
                "/api%3Bx" + rest));
        if (segments.length > 1) {
            String second = segments[1];
            String tail = path.substring(("/api/" + second).length());
            forms.add("/api/" + second + ";x" + tail);
            forms.add("/api/%" + Integer.toHexString(second.charAt(0)) + second.substring(1) + tail);
            forms.add("/api/" + second.toUpperCase() + tail);
        }
        return forms;
    }

    private HttpResponse<String> send(String method, String path, String token) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .method(method, HttpRequest.BodyPublishers.ofString("{}"))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String abbreviate(String body) {
        return body.length() > 160 ? body.substring(0, 160) + "…" : body;
    }
}
