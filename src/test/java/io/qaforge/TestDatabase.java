package io.qaforge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Points every application context started by the tests at a real PostgreSQL: a Testcontainers one where a Docker
 * engine answers, otherwise a fresh database created for this JVM on the local server that {@code bin/test} starts.
 * One database per test JVM, dropped at exit, so parallel runs (or a second developer) never see each other's rows.
 */
public class TestDatabase implements EnvironmentPostProcessor {

    private static Map<String, Object> properties;

    /**
     * Spring keeps test contexts cached (see {@code spring.properties}), each with its own pool: idle connections are
     * given back quickly so that the cached contexts together stay far below PostgreSQL's 100 connections.
     */
    private static final Map<String, Object> POOL = Map.of(
            "spring.datasource.hikari.minimum-idle", 1,
            "spring.datasource.hikari.idle-timeout", 10_000);

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addFirst(new MapPropertySource("test-database", properties()));
        environment.getPropertySources().addLast(new MapPropertySource("test-pool", POOL));
    }

    public static synchronized Map<String, Object> properties() {
        if (properties == null) {
            properties = useTestcontainers() ? startContainer() : createLocalDatabase();
        }
        return properties;
    }

    private static boolean useTestcontainers() {
        String choice = System.getenv().getOrDefault("QAFORGE_TEST_DB", "auto");
        return choice.equals("testcontainers") || (choice.equals("auto") && DockerClientFactory.instance().isDockerAvailable());
    }

    private static Map<String, Object> startContainer() {
        var container = new PostgreSQLContainer("postgres:16-alpine");
        container.start();
        return Map.of("spring.datasource.url", container.getJdbcUrl(),
                "spring.datasource.username", container.getUsername(),
                "spring.datasource.password", container.getPassword());
    }

    private static Map<String, Object> createLocalDatabase() {
        String adminUrl = System.getenv().getOrDefault("QAFORGE_TEST_ADMIN_URL", "jdbc:postgresql://localhost:5432/postgres");
        String user = System.getenv().getOrDefault("QAFORGE_TEST_DB_USER", "qaforge");
        String password = System.getenv().getOrDefault("QAFORGE_TEST_DB_PASSWORD", "qaforge");
        String database = "qaforge_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection admin = DriverManager.getConnection(adminUrl, user, password)) {
            admin.createStatement().execute("CREATE DATABASE " + database);
        } catch (SQLException e) {
            throw new IllegalStateException("No Docker engine and no local PostgreSQL at " + adminUrl
                    + " for user " + user + ": run bin/test, which starts one (" + e.getMessage() + ")", e);
        }
        // Spring's shutdown handlers run after every application context has closed. A JVM shutdown hook of our own would
        // run beside the hook that closes them: contexts still stopping (the engine handing its tasks back) would wait for
        // connections to a dropped database until Hikari's 30 s timeout, and Surefire kills a fork that long in exiting.
        SpringApplication.getShutdownHandlers().add(() -> {
            try (Connection admin = DriverManager.getConnection(adminUrl, user, password)) {
                admin.createStatement().execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            } catch (SQLException ignored) {
                // The server may already be gone; an orphaned test database is harmless.
            }
        });
        String url = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + database;
        return Map.of("spring.datasource.url", url, "spring.datasource.username", user, "spring.datasource.password", password);
    }
}
