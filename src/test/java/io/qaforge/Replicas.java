package io.qaforge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Whole service replicas for tests that need several on one database (restarts, crashes, shared work): each a
 * {@link QaforgeApplication} on a port of its own, on the tests' database ({@link TestDatabase}), with settings given
 * as command-line arguments, so they win over application.yml as a deployment's would. Every replica a test started is
 * closed after it. Register it on a field:
 * <pre>{@code @RegisterExtension final Replicas replicas = new Replicas("--qaforge.generation.lease=2s");}</pre>
 */
public class Replicas implements AfterEachCallback {

    private final List<String> settings;
    private final List<ConfigurableApplicationContext> running = new ArrayList<>();

    /** @param settings what every replica of the test class runs with, as {@code --name=value} */
    public Replicas(String... settings) {
        this.settings = List.of(settings);
    }

    /** Starts a replica with the class's settings and then {@code more} (which win where both name a property). */
    public ConfigurableApplicationContext start(String... more) {
        String[] args = Stream.of(List.of("--server.port=0"), settings, List.of(more)).flatMap(List::stream).toArray(String[]::new);
        ConfigurableApplicationContext replica = new SpringApplicationBuilder(QaforgeApplication.class).run(args);
        running.add(replica);
        return replica;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        running.forEach(ConfigurableApplicationContext::close);
        running.clear();
    }

    /** A client of the replica's HTTP API. */
    public static TestRestTemplate http(ConfigurableApplicationContext replica) {
        return new TestRestTemplate(new RestTemplateBuilder()
                .baseUri("http://localhost:" + replica.getEnvironment().getProperty("local.server.port")));
    }

    /** The replica's own database client. */
    public static JdbcClient db(ConfigurableApplicationContext replica) {
        return replica.getBean(JdbcClient.class);
    }

    /** The shared database, for a look at it while no replica runs. */
    public static JdbcClient database() {
        Map<String, Object> p = TestDatabase.properties();
        return JdbcClient.create(new DriverManagerDataSource((String) p.get("spring.datasource.url"),
                (String) p.get("spring.datasource.username"), (String) p.get("spring.datasource.password")));
    }
}
