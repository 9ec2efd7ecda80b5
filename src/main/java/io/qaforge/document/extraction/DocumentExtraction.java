package io.qaforge.document.extraction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import io.qaforge.document.Document;
import io.qaforge.document.DocumentProperties;
import io.qaforge.document.DocumentRepository;
import io.qaforge.document.OcrMode;
import io.qaforge.document.TokenCounter;
import io.qaforge.document.text.ChunkWriter;
import io.qaforge.document.text.Chunker;
import io.qaforge.document.text.CleanText;
import io.qaforge.document.text.TextCleaner;
import io.qaforge.document.upload.MediaKind;
import io.qaforge.document.upload.Originals;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.Leases;
import io.qaforge.system.ProblemType;

/**
 * Runs extractions in the background: original bytes to cleaned text to chunks, then one transaction that makes the
 * document READY with all its chunks, or FAILED with the problem. A run holds a lease on its document, renewed while
 * it works; when a replica dies, another claims the expired lease and starts over from the kept original, and only the
 * run holding the latest attempt number may store a result. A document whose runs keep dying is failed.
 */
@Component
public class DocumentExtraction implements Leases.Beating {

    private static final Logger log = LoggerFactory.getLogger(DocumentExtraction.class);
    private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(500);
    private static final Leases.Table DOCUMENTS = Leases.Table.until("document", "lease_until");

    private final DocumentRepository documents;
    private final ChunkWriter chunks;
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final Originals originals;
    private final Chunker chunker;
    private final PdfExtractor pdf;
    private final RichTextProcess richText;
    private final DocumentProperties properties;
    private final ExecutorService workers;
    private final Leases leases;
    /** Renews the leases of the documents this replica has queued or is extracting, and takes over expired ones. */
    private final Leases.Heartbeat<UUID> heartbeat;

    DocumentExtraction(DocumentRepository documents, ChunkWriter chunks, JdbcClient jdbc,
                       TransactionTemplate transaction, Originals originals, TokenCounter tokens, Tesseract tesseract,
                       DocumentProperties properties, Leases leases) {
        this.leases = leases;
        this.heartbeat = Leases.heartbeat("document-leases",
                Duration.ofMillis(Math.max(250, properties.ingestion().lease().toMillis() / 4)), this::tick);
        this.documents = documents;
        this.chunks = chunks;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.originals = originals;
        this.properties = properties;
        this.chunker = new Chunker(tokens, properties.chunkTargetTokens(), properties.chunkMaxTokens());
        this.pdf = new PdfExtractor(Runtime.getRuntime().availableProcessors(), properties.limits(), properties.ocr(), tesseract);
        this.richText = new RichTextProcess(properties);
        this.workers = Executors.newFixedThreadPool(properties.ingestion().threads(),
                Thread.ofPlatform().name("document-extraction-", 0).factory());
    }

    public PdfExtractor pdf() {
        return pdf;
    }

    /**
     * One extraction. For a new upload the caller may still be waiting: a failure it sees in time is answered as the
     * upload's problem, and the document is removed as if never uploaded; otherwise the failure is recorded on it.
     */
    public final class Run {
        private enum Handoff { WAITING, DETACHED, ANSWERED }

        private final UUID documentId;
        private final int attempt;
        private final CompletableFuture<Document> outcome = new CompletableFuture<>();
        private final AtomicReference<Handoff> handoff;

        private Run(UUID documentId, int attempt, boolean callerWaits) {
            this.documentId = documentId;
            this.attempt = attempt;
            this.handoff = new AtomicReference<>(callerWaits ? Handoff.WAITING : Handoff.DETACHED);
        }

        /** @return the READY document, or null when the run goes on in the background; a failure in time is thrown */
        public Document await(Duration patience) {
            try {
                try {
                    return outcome.get(patience.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (handoff.compareAndSet(Handoff.WAITING, Handoff.DETACHED)) {
                        return null;
                    }
                    return outcome.get(); // the run has just failed and is answering this caller
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handoff.compareAndSet(Handoff.WAITING, Handoff.DETACHED);
                return null;
            }
        }
    }

    /**
     * Queues the extraction of a document whose attempt {@code attempt} was just claimed.
     *
     * @param file the original's bytes, handed over (deleted once read); null to fetch the kept original
     */
    public Run start(UUID documentId, int attempt, Path file, boolean callerWaits) {
        var run = new Run(documentId, attempt, callerWaits);
        heartbeat.hold(documentId);
        workers.execute(() -> {
            try {
                execute(run, file);
            } finally {
                heartbeat.drop(documentId);
            }
        });
        return run;
    }

    private void execute(Run run, Path handedOver) {
        Path file = handedOver;
        try {
            if (file == null) {
                file = Files.createTempFile("qaforge-original-", ".bin");
                Path target = file;
                if (!Boolean.TRUE.equals(transaction.execute(status -> originals.copyTo(run.documentId, target)))) {
                    throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.ORIGINAL_MISSING, "Original not kept",
                            "This document was uploaded before originals were kept; upload the file again");
                }
            }
            Document document = documents.findById(run.documentId).orElseThrow(() -> new IllegalStateException("deleted"));
            CleanText clean = read(file, document, new Progress(run));
            store(run, clean);
            documents.findById(run.documentId).ifPresent(run.outcome::complete);
        } catch (Throwable e) {
            fail(run, e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    log.warn("Cannot delete temp file {}", file, e);
                }
            }
        }
    }

    private CleanText read(Path file, Document document, Progress progress) throws IOException {
        MediaKind kind = MediaKind.fromMediaType(document.getMediaType());
        CleanText clean = switch (kind) {
            case PDF -> {
                PdfExtractor.Pages pages = pdf.extract(file, new PdfExtractor.Request(document.getOcr(), document.getOcrLanguages(), progress));
                yield TextCleaner.cleanPdfPages(pages.texts(), pages.ocrPages());
            }
            case TEXT, MARKDOWN -> TextCleaner.cleanPlainText(readUtf8(file));
            default -> TextCleaner.cleanPlainText(richText.extract(file, kind));
        };
        progress.pagesDone(clean.pages(), clean.pages());
        if (clean.text().isBlank()) {
            throw switch (kind) {
                case PDF -> new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.NO_TEXT_LAYER, "No extractable text",
                        document.getOcr() == OcrMode.OFF
                                ? "The PDF has no text layer (scanned? no text layer): upload it with ocr=auto to read it by OCR"
                                : "The PDF has no text layer (scanned? no text layer) and OCR found no text in it either");
                case TEXT, MARKDOWN -> new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.NO_TEXT, "No text", "The file holds only whitespace");
                default -> new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.NO_TEXT, "No text", "The document holds no text");
            };
        }
        return clean;
    }

    private String readUtf8(Path file) throws IOException {
        if (Files.size(file) > 4 * properties.limits().maxDocumentChars()) {
            throw textTooLarge();
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw MediaKind.unsupported("Text files must be UTF-8");
        }
        if (text.length() > properties.limits().maxDocumentChars()) {
            throw textTooLarge();
        }
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    private ApiProblem textTooLarge() {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.DOCUMENT_TEXT_TOO_LARGE, "Too much text in the document",
                "The document holds more than " + properties.limits().maxDocumentChars() + " characters of text (the limit)");
    }

    /** All chunks and READY in one transaction, and only while this run still holds the document. */
    private void store(Run run, CleanText clean) {
        String text = clean.text();
        List<Chunker.Piece> pieces = chunker.chunk(text);
        int totalTokens = pieces.stream().mapToInt(Chunker.Piece::tokens).sum();
        List<ChunkWriter.Row> rows = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            Chunker.Piece piece = pieces.get(i);
            int pageFrom = clean.pageAt(piece.from());
            int pageTo = clean.pageAt(piece.to() - 1);
            rows.add(new ChunkWriter.Row(i, text.substring(piece.from(), piece.to()), piece.tokens(), pageFrom, pageTo,
                    piece.from(), piece.to(), clean.ocr(pageFrom, pageTo)));
        }
        transaction.executeWithoutResult(status -> {
            int updated = jdbc.sql("""
                            UPDATE document SET status = 'READY', pages = ?, pages_done = ?, tokens = ?, chunk_count = ?,
                                   ocr_pages = ?, error_type = NULL, error_title = NULL, error_detail = NULL,
                                   lease_until = NULL, updated_at = now()
                            WHERE id = ? AND attempts = ? AND status = 'PROCESSING'""")
                    .params(clean.pages(), clean.pages(), totalTokens, rows.size(), clean.ocrPages().cardinality(),
                            run.documentId, run.attempt)
                    .update();
            if (updated == 0) {
                throw new Superseded();
            }
            removeText(run.documentId);
            jdbc.sql("INSERT INTO document_text (document_id, text) VALUES (?, ?)").params(run.documentId, text).update();
            chunks.insert(run.documentId, rows);
        });
    }

    private void removeText(UUID documentId) {
        jdbc.sql("DELETE FROM chunk WHERE document_id = ?").param(documentId).update();
        jdbc.sql("DELETE FROM document_text WHERE document_id = ?").param(documentId).update();
    }

    private void fail(Run run, Throwable e) {
        if (e instanceof Superseded) {
            log.info("Extraction of document {} (attempt {}) was superseded by a later one", run.documentId, run.attempt);
            run.outcome.completeExceptionally(new IllegalStateException("superseded"));
            return;
        }
        ApiProblem problem = e instanceof ApiProblem known ? known : unexpected(run, e);
        try {
            if (run.handoff.compareAndSet(Run.Handoff.WAITING, Run.Handoff.ANSWERED)) {
                // The uploader is still waiting: answer with the problem and keep nothing.
                transaction.executeWithoutResult(status -> {
                    originals.delete(run.documentId);
                    jdbc.sql("DELETE FROM document WHERE id = ? AND attempts = ?").params(run.documentId, run.attempt).update();
                });
            } else {
                ProblemDetail detail = problem.toProblemDetail();
                transaction.executeWithoutResult(status -> {
                    int updated = jdbc.sql("""
                                    UPDATE document SET status = 'FAILED', error_type = ?, error_title = ?, error_detail = ?,
                                           tokens = 0, chunk_count = 0, ocr_pages = 0, lease_until = NULL, updated_at = now()
                                    WHERE id = ? AND attempts = ? AND status = 'PROCESSING'""")
                            .params(problem.type().slug(), detail.getTitle(),
                                    detail.getDetail(), run.documentId, run.attempt)
                            .update();
                    if (updated > 0) {
                        removeText(run.documentId);
                    }
                });
            }
        } catch (RuntimeException storing) {
            log.error("Cannot record the failure of document {}", run.documentId, storing);
        } finally {
            run.outcome.completeExceptionally(problem);
        }
    }

    private static ApiProblem unexpected(Run run, Throwable e) {
        log.error("Extraction of document {} failed", run.documentId, e);
        String why = e instanceof OutOfMemoryError ? "the service ran out of memory" : "the service failed while reading it (logged)";
        return new ApiProblem(HttpStatus.INTERNAL_SERVER_ERROR, ProblemType.EXTRACTION_FAILED, "Extraction failed",
                "The document could not be extracted: " + why);
    }

    /** Thrown when another run took the document over (this one's lease had expired): its result is dropped. */
    private static final class Superseded extends RuntimeException {
        Superseded() {
            super(null, null, false, false);
        }
    }

    /** Writes pages done to the document at most twice a second, renewing the lease with it. */
    private final class Progress implements PdfExtractor.Progress {
        private final Run run;
        private long lastWrite;

        Progress(Run run) {
            this.run = run;
        }

        @Override
        public synchronized void pagesDone(int done, int total) {
            long now = System.nanoTime();
            if (done < total && now - lastWrite < PROGRESS_INTERVAL.toNanos()) {
                return;
            }
            lastWrite = now;
            jdbc.sql("UPDATE document SET pages_done = :done, pages = :total, " + DOCUMENTS.renewal() + ", updated_at = now() "
                            + "WHERE id = :id AND attempts = :attempt AND status = 'PROCESSING'")
                    .param("done", done).param("total", total).param("lease", Leases.seconds(properties.ingestion().lease()))
                    .param("id", run.documentId).param("attempt", run.attempt)
                    .update();
        }
    }

    /** Renews the leases of this replica's documents and takes over those whose replica went quiet. */
    private void tick(Set<UUID> held) {
        Duration lease = properties.ingestion().lease();
        leases.renew(DOCUMENTS, held, lease, "status = 'PROCESSING'", Map.of());
        List<Claim> claimed = leases.takeExpired(DOCUMENTS, "status = 'PROCESSING'",
                "attempts = attempts + 1, " + DOCUMENTS.renewal() + ", pages_done = 0, updated_at = now()", lease,
                properties.ingestion().threads(), "id, attempts", Claim.class);
        for (Claim claim : claimed) {
            if (claim.attempts() > properties.ingestion().maxAttempts()) {
                var run = new Run(claim.id(), claim.attempts(), false);
                fail(run, new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.EXTRACTION_CRASHED, "Extraction kept stopping",
                        "Extraction stopped " + (claim.attempts() - 1) + " times without finishing (the service died "
                                + "or ran out of memory while reading this file); reprocess it to try again"));
            } else {
                log.info("Resuming the extraction of document {} (attempt {})", claim.id(), claim.attempts());
                start(claim.id(), claim.attempts(), null, false);
            }
        }
    }

    private record Claim(UUID id, int attempts) {
    }

    @Override
    public Leases.Heartbeat<UUID> heartbeat() {
        return heartbeat;
    }

    @PreDestroy
    void shutdown() {
        // Unfinished documents stay PROCESSING: their leases run out and a replica (this one, restarted) resumes them.
        heartbeat.stop();
        workers.shutdownNow();
    }
}
