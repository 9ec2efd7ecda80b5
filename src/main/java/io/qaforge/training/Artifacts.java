package io.qaforge.training;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.LargeObjects;
import io.qaforge.system.ProblemType;

/**
 * What workers deliver, kept as PostgreSQL large objects: streamed in and out (never whole in memory), checksummed
 * on the way in, and as durable as the database. An upload is one transaction: over the size limit, not a zip the
 * kind needs, or sent by a worker that lost the run, and nothing of it stays.
 */
@Component
class Artifacts {

    static final List<String> KINDS = List.of("adapter", "merged");

    record Stored(String kind, String sha256, long bytes, Instant createdAt) {
    }

    private final JdbcClient jdbc;
    private final LargeObjects largeObjects;
    private final TransactionTemplate transactions;
    private final TrainingProperties properties;

    Artifacts(JdbcClient jdbc, LargeObjects largeObjects, PlatformTransactionManager transactionManager, TrainingProperties properties) {
        this.jdbc = jdbc;
        this.largeObjects = largeObjects;
        this.transactions = new TransactionTemplate(transactionManager);
        this.properties = properties;
    }

    /** Stores (or replaces) a run's artifact of this kind, sent by the worker holding the run. */
    Stored store(UUID runId, String workerId, String kind, long declaredLength, InputStream body) {
        long limit = properties.maxArtifactSize().toBytes();
        if (!held(runId, workerId)) {
            throw leaseLost(runId);
        }
        if (declaredLength > limit) {
            throw tooLarge(limit);
        }
        return inTransaction(objects -> {
            long oid = objects.createLO(LargeObjectManager.READWRITE);
            MessageDigest sha256 = sha256();
            long bytes;
            try (LargeObject object = objects.open(oid, LargeObjectManager.WRITE);
                 OutputStream out = new DigestOutputStream(object.getOutputStream(), sha256)) {
                bytes = copy(body, out, limit);
            }
            checkContent(objects, oid, kind);
            List<Long> replaced = jdbc.sql("SELECT content FROM training_artifact WHERE run_id = ? AND kind = ? FOR UPDATE")
                    .params(runId, kind).query(Long.class).list();
            int stored = jdbc.sql("""
                    INSERT INTO training_artifact (run_id, kind, content, sha256, bytes)
                    SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM training_run WHERE id = ? AND worker_id = ? AND status = 'RUNNING')
                    ON CONFLICT (run_id, kind) DO UPDATE
                        SET content = excluded.content, sha256 = excluded.sha256, bytes = excluded.bytes, created_at = now()""")
                    .params(runId, kind, oid, HexFormat.of().formatHex(sha256.digest()), bytes, runId, workerId).update();
            if (stored == 0) {
                throw leaseLost(runId);
            }
            for (long old : replaced) {
                objects.unlink(old);
            }
            return find(runId, kind).orElseThrow();
        });
    }

    Optional<Stored> find(UUID runId, String kind) {
        return jdbc.sql("SELECT kind, sha256, bytes, created_at FROM training_artifact WHERE run_id = ? AND kind = ?")
                .params(runId, kind).query(Artifacts::stored).optional();
    }

    List<Stored> list(UUID runId) {
        return jdbc.sql("SELECT kind, sha256, bytes, created_at FROM training_artifact WHERE run_id = ? ORDER BY kind")
                .param(runId).query(Artifacts::stored).list();
    }

    private static Stored stored(ResultSet row, int i) throws SQLException {
        return new Stored(row.getString("kind"), row.getString("sha256"), row.getLong("bytes"), row.getTimestamp("created_at").toInstant());
    }

    /** Streams the artifact to {@code out}; false when the run has none of this kind. */
    boolean copy(UUID runId, String kind, OutputStream out) {
        return inTransaction(objects -> {
            List<Long> oid = jdbc.sql("SELECT content FROM training_artifact WHERE run_id = ? AND kind = ?").params(runId, kind)
                    .query(Long.class).list();
            if (oid.isEmpty()) {
                return false;
            }
            try (LargeObject object = objects.open(oid.getFirst(), LargeObjectManager.READ);
                 InputStream in = object.getInputStream()) {
                in.transferTo(out);
            }
            return true;
        });
    }

    private boolean held(UUID runId, String workerId) {
        return jdbc.sql("SELECT count(*) FROM training_run WHERE id = ? AND worker_id = ? AND status = 'RUNNING'")
                .params(runId, workerId).query(Integer.class).single() == 1;
    }

    /**
     * An adapter must hold, at its root, what PEFT loads (its config and weights): the download and the Hub push promise
     * that. A merged model is only checked to be a zip, since reading a multi-gigabyte one again costs minutes.
     */
    private static void checkContent(LargeObjectManager objects, long oid, String kind) throws SQLException, IOException {
        try (LargeObject object = objects.open(oid, LargeObjectManager.READ);
             ZipInputStream zip = new ZipInputStream(object.getInputStream())) {
            ZipEntry first = zip.getNextEntry();
            if (first == null) {
                throw invalidArtifact("The " + kind + " upload is not a zip (or an empty one)");
            }
            if (kind.equals("merged")) {
                return;
            }
            Set<String> names = new HashSet<>();
            for (ZipEntry entry = first; entry != null; entry = zip.getNextEntry()) {
                names.add(entry.getName());
            }
            if (!names.contains("adapter_config.json") || !(names.contains("adapter_model.safetensors") || names.contains("adapter_model.bin"))) {
                throw invalidArtifact("An adapter zip must hold adapter_config.json and adapter_model.safetensors at its root; it holds "
                        + names.stream().sorted().limit(20).toList());
            }
        } catch (ZipException e) {
            throw invalidArtifact("The " + kind + " upload is not a readable zip: " + e.getMessage());
        }
    }

    private static ApiProblem invalidArtifact(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_ARTIFACT, "Invalid artifact", detail);
    }

    /** Large objects live in transactions; an exception rolls the transaction back, and with it any object it created. */
    private <T> T inTransaction(LargeObjects.Work<T> work) {
        return transactions.execute(status -> largeObjects.with(work));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0; ) {
            total += n;
            if (total > limit) {
                throw tooLarge(limit);
            }
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static ApiProblem tooLarge(long limit) {
        return new ApiProblem(HttpStatus.CONTENT_TOO_LARGE, ProblemType.ARTIFACT_TOO_LARGE, "Artifact too large",
                "Artifacts are limited to " + limit + " bytes (qaforge.training.max-artifact-size)");
    }

    static ApiProblem leaseLost(UUID id) {
        return new ApiProblem(HttpStatus.CONFLICT, ProblemType.LEASE_LOST, "Lease lost",
                "Run " + id + " is not running under this worker any more (lease expired and taken over, cancelled, or finished)");
    }
}
