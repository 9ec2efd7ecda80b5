package io.qaforge.system;

import java.io.PrintWriter;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Logger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Status;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseHealthTest {

    /** A database that never answers, as PostgreSQL does while its host is unreachable. */
    private static final class Unreachable implements DataSource {
        final CountDownLatch never = new CountDownLatch(1);
        int attempts;

        @Override
        public synchronized Connection getConnection() throws java.sql.SQLException {
            attempts++;
            try {
                never.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new java.sql.SQLException("gone");
        }

        @Override
        public Connection getConnection(String user, String password) throws java.sql.SQLException {
            return getConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() {
            return Logger.getGlobal();
        }

        @Override
        public <T> T unwrap(Class<T> type) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> type) {
            return false;
        }
    }

    @Test
    void anUnreachableDatabaseIsReportedDownWithinTheTimeoutNotAfterThePoolGivesUp() {
        var database = new Unreachable();
        var health = new DatabaseHealth(database, Duration.ofMillis(300));

        long started = System.nanoTime();
        var first = health.health();
        var second = health.health();
        long elapsedMillis = (System.nanoTime() - started) / 1_000_000;

        assertThat(first.getStatus()).isEqualTo(Status.DOWN);
        assertThat(first.getDetails().get("error").toString()).contains("did not answer within 300 ms");
        assertThat(second.getStatus()).isEqualTo(Status.DOWN);
        assertThat(elapsedMillis).as("two probes, each bounded by the timeout").isLessThan(5_000);
        assertThat(database.attempts).as("the second probe waits on the check already in flight").isEqualTo(1);
        database.never.countDown();
    }
}
