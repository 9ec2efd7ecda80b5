package io.qaforge.system;

import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The database check of {@code /actuator/health} (and of readiness), answered within a short timeout: while PostgreSQL
 * is unreachable a connection attempt waits out the pool's 30 s, and a health probe that hangs that long is as bad as
 * none. One check runs at a time; probes arriving meanwhile see the one in flight.
 */
@Component("dbHealthIndicator")
class DatabaseHealth implements HealthIndicator {

    private final DataSource dataSource;
    private final Duration timeout;
    private final AtomicReference<CompletableFuture<Health>> inFlight = new AtomicReference<>();

    DatabaseHealth(DataSource dataSource, @Value("${qaforge.health.database-timeout:2s}") Duration timeout) {
        this.dataSource = dataSource;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        CompletableFuture<Health> check = inFlight.updateAndGet(running -> running != null && !running.isDone() ? running
                : CompletableFuture.supplyAsync(this::query, command -> Thread.ofVirtual().name("db-health").start(command)));
        try {
            return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return Health.down().withDetail("error", "PostgreSQL did not answer within " + timeout.toMillis() + " ms").build();
        } catch (ExecutionException e) {
            return Health.down().withDetail("error", String.valueOf(e.getCause())).build();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.unknown().build();
        }
    }

    private Health query() {
        try (Connection connection = dataSource.getConnection()) {
            boolean valid = connection.isValid((int) Math.max(1, timeout.toSeconds()));
            return (valid ? Health.up() : Health.down()).withDetail("database", "PostgreSQL").build();
        } catch (Exception e) {
            return Health.down().withDetail("database", "PostgreSQL").withDetail("error", e.getClass().getSimpleName()).build();
        }
    }
}
