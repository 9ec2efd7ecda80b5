package io.qaforge.document.upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

import org.postgresql.largeobject.LargeObject;
import org.postgresql.largeobject.LargeObjectManager;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.qaforge.document.DocumentProperties;
import io.qaforge.system.LargeObjects;

/**
 * The bytes of every upload, kept so a document can be extracted again (after a crash, or with other settings): as a
 * PostgreSQL large object by default, or as a file named by the document's id in {@code qaforge.documents.ingestion.originals-dir}.
 * Every method runs inside the caller's transaction, so the bytes and the document row come and go together.
 */
@Component
public class Originals {

    private final JdbcClient jdbc;
    private final LargeObjects largeObjects;
    private final Path directory;

    Originals(JdbcClient jdbc, LargeObjects largeObjects, DocumentProperties properties) throws IOException {
        this.jdbc = jdbc;
        this.largeObjects = largeObjects;
        this.directory = properties.ingestion().originalsDir();
        if (directory != null) {
            Files.createDirectories(directory);
        }
    }

    public void store(UUID documentId, Path file) {
        if (directory != null) {
            try {
                Path partial = Files.copy(file, directory.resolve(documentId + ".part"), StandardCopyOption.REPLACE_EXISTING);
                Files.move(partial, path(documentId), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot keep the original in " + directory, e);
            }
            jdbc.sql("UPDATE document SET has_original = true WHERE id = ?").param(documentId).update();
            return;
        }
        long oid = largeObjects.with(objects -> {
            long created = objects.createLO(LargeObjectManager.READWRITE);
            LargeObject object = objects.open(created, LargeObjectManager.WRITE);
            try (OutputStream out = object.getOutputStream()) {
                Files.copy(file, out);
            }
            return created;
        });
        jdbc.sql("UPDATE document SET original_oid = ?, has_original = true WHERE id = ?").param(oid).param(documentId).update();
    }

    /** @return false when the document has no original (uploaded before originals were kept) */
    public boolean copyTo(UUID documentId, Path target) {
        if (directory != null) {
            try {
                Files.copy(path(documentId), target, StandardCopyOption.REPLACE_EXISTING);
                return true;
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Long oid = jdbc.sql("SELECT original_oid FROM document WHERE id = ?").param(documentId).query(Long.class).optional().orElse(null);
        if (oid == null) {
            return false;
        }
        return largeObjects.with(objects -> {
            LargeObject object = objects.open(oid, LargeObjectManager.READ);
            try (InputStream in = object.getInputStream()) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        });
    }

    /** Removes the original with the document's row: the large object at once, a file once the transaction commits. */
    public void delete(UUID documentId) {
        if (directory == null) {
            jdbc.sql("SELECT lo_unlink(original_oid) FROM document WHERE id = ? AND original_oid IS NOT NULL").param(documentId)
                    .query().singleColumn();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                try {
                    Files.deleteIfExists(path(documentId));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
    }

    private Path path(UUID documentId) {
        return directory.resolve(documentId.toString());
    }
}
