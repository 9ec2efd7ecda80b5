package io.qaforge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the Helm chart (deploy/helm/qaforge) relies on: the probe endpoints it polls, and the queries KEDA scales on,
 * run against the schema the migrations make. deploy/helm/check validates the manifests; only this runs their SQL.
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HelmChartContractTest {

    static final Path QUERIES = Path.of("deploy/helm/qaforge/queries");

    @Autowired
    TestRestTemplate http;

    @Autowired
    DataSource dataSource;

    @Test
    void theProbesAnswerUp() {
        assertThat(http.getForObject("/actuator/health/liveness", String.class)).contains("\"status\":\"UP\"");
        assertThat(http.getForObject("/actuator/health/readiness", String.class)).contains("\"status\":\"UP\"");
    }

    /** Rows made in one repeatable-read transaction that is rolled back: other tests' rows and the engine never see them. */
    @Test
    void kedaCountsTheWorkThatWantsAReplicaOrAGpu() throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                var db = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
                long tasks = count(db, "pending-tasks.sql"), runs = count(db, "pending-training-runs.sql");

                long chunk = chunk(db);
                UUID active = job(db, "RUNNING");
                task(db, active, chunk, "PENDING");
                task(db, active, chunk, "RUNNING");
                task(db, active, chunk, "DONE");
                task(db, active, chunk, "FAILED");
                long batch = db.queryForObject("INSERT INTO provider_batch (job_id, provider, status) VALUES (?, 'openai', 'in_progress') RETURNING id",
                        Long.class, active);
                db.update("UPDATE task SET batch_id = ? WHERE id = ?", batch, task(db, active, chunk, "RUNNING"));
                task(db, job(db, "CANCELLED"), chunk, "PENDING");
                assertThat(count(db, "pending-tasks.sql") - tasks).as("pending and running tasks outside batches, of active jobs").isEqualTo(2);

                UUID ready = job(db, "SUCCEEDED");
                run(db, "QUEUED", ready);
                run(db, "QUEUED", ready, active);
                run(db, "RUNNING", ready);
                run(db, "SUCCEEDED", ready);
                assertThat(count(db, "pending-training-runs.sql") - runs).as("running runs and claimable queued ones").isEqualTo(2);
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }
    }

    private static long count(JdbcTemplate db, String query) throws IOException {
        return db.queryForObject(Files.readString(QUERIES.resolve(query)), Long.class);
    }

    /** A chunk to hang tasks on; its id negative, out of the range Hibernate allocates from the same sequence. */
    private static long chunk(JdbcTemplate db) {
        UUID document = UUID.randomUUID();
        db.update("""
                INSERT INTO document (id, name, sha256, media_type, size_bytes, pages, tokens, chunk_count, status)
                VALUES (?, 'scaling.txt', ?, 'text/plain', 1, 1, 1, 1, 'READY')""", document, "%064x".formatted(document.getMostSignificantBits() & Long.MAX_VALUE));
        return db.queryForObject("""
                INSERT INTO chunk (id, document_id, ordinal, text, tokens, page_from, page_to, char_from, char_to)
                VALUES (-nextval('chunk_seq'), ?, 0, 'text', 1, 1, 1, 0, 4) RETURNING id""", Long.class, document);
    }

    private static UUID job(JdbcTemplate db, String status) {
        UUID job = UUID.randomUUID();
        db.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, ?, 'openai', 'gpt-4o-mini', 'A test document.', '{}', '{}')""", job, status);
        return job;
    }

    private static long task(JdbcTemplate db, UUID job, long chunk, String status) {
        return db.queryForObject("""
                INSERT INTO task (id, job_id, chunk_id, temperature, variant, status)
                VALUES (nextval('task_seq'), ?, ?, 0.5, ?, ?) RETURNING id""", Long.class, job, chunk, UUID.randomUUID().toString(), status);
    }

    private static void run(JdbcTemplate db, String status, UUID... jobs) {
        UUID run = UUID.randomUUID();
        db.update("INSERT INTO training_run (id, base_model, params, status) VALUES (?, 'Qwen/Qwen2.5-0.5B-Instruct', '{}', ?)", run, status);
        for (UUID job : jobs) {
            db.update("INSERT INTO training_run_job (run_id, job_id) VALUES (?, ?)", run, job);
        }
    }
}
