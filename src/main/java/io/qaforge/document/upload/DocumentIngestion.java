package io.qaforge.document.upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

import io.qaforge.document.Document;
import io.qaforge.document.DocumentProperties;
import io.qaforge.document.DocumentRepository;
import io.qaforge.document.OcrMode;
import io.qaforge.document.extraction.DocumentExtraction;
import io.qaforge.document.extraction.Tesseract;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;
import io.qaforge.system.Sha256;

/**
 * Accepts uploads and re-extractions. What can be judged at once (type, encryption, corrupt or oversized containers,
 * page count, OCR settings) is refused before anything is stored; then the document and its original bytes are stored
 * in one transaction as PROCESSING and extracted in the background. An upload that finishes within
 * {@code respond-within} is answered READY (or with its problem, leaving no trace); a longer one is answered at once
 * and goes on.
 */
@Service
class DocumentIngestion {

    /**
     * @param document as stored: READY when done in time, PROCESSING when it goes on in the background
     * @param created  false when the same bytes had been uploaded before
     */
    record Result(Document document, boolean created) {
    }

    private static final int SNIFF_BYTES = 8192;

    private final DocumentRepository documents;
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final Originals originals;
    private final DocumentExtraction extraction;
    private final Tesseract tesseract;
    private final DocumentProperties properties;

    DocumentIngestion(DocumentRepository documents, JdbcClient jdbc, TransactionTemplate transaction, Originals originals,
                      DocumentExtraction extraction, Tesseract tesseract, DocumentProperties properties) {
        this.documents = documents;
        this.jdbc = jdbc;
        this.transaction = transaction;
        this.originals = originals;
        this.extraction = extraction;
        this.tesseract = tesseract;
        this.properties = properties;
    }

    Result ingest(MultipartFile upload, String title, String ocr, String ocrLanguages) throws IOException {
        String name = FileNames.sanitize(upload.getOriginalFilename());
        OcrMode mode = OcrMode.parse(ocr);
        Path file = Files.createTempFile("qaforge-upload-", ".bin");
        boolean handedOver = false;
        try {
            String sha256 = copyHashing(upload, file);
            if (Files.size(file) == 0) {
                throw ApiProblem.badRequest(ProblemType.EMPTY_FILE, "Empty file", "The uploaded file '" + name + "' has no content");
            }
            var existing = documents.findBySha256(sha256);
            if (existing.isPresent()) {
                return new Result(existing.get(), false);
            }
            MediaKind kind = inspect(file, name);
            int pages = kind == MediaKind.PDF ? extraction.pdf().inspect(file) : 1;
            String languages = languages(kind, mode, ocrLanguages);
            var document = new Document(name, blankToNull(title), sha256, kind.mediaType, Files.size(file), pages, mode, languages);
            try {
                transaction.executeWithoutResult(status -> {
                    insert(document);
                    claimFirstAttempt(document.getId());
                    originals.store(document.getId(), file);
                });
            } catch (DataIntegrityViolationException raced) {
                // The same bytes were stored by a concurrent upload a moment ago: answer with that document.
                return documents.findBySha256(sha256).map(stored -> new Result(stored, false)).orElseThrow(() -> raced);
            }
            handedOver = true; // the extraction owns the file now
            Document ready = extraction.start(document.getId(), 1, file, true).await(properties.ingestion().respondWithin());
            return new Result(ready != null ? ready : current(document.getId()), true);
        } finally {
            if (!handedOver) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Extracts a document again from its kept original, with new OCR settings where given. */
    Document reprocess(UUID id, String ocr, String ocrLanguages) {
        Document document = documents.findById(id).orElseThrow(() -> ApiProblem.notFound("Document", id));
        OcrMode mode = ocr == null ? document.getOcr() : OcrMode.parse(ocr);
        MediaKind kind = MediaKind.fromMediaType(document.getMediaType());
        String languages = languages(kind, mode, ocrLanguages != null ? ocrLanguages : document.getOcrLanguages());
        transaction.executeWithoutResult(status -> {
            Integer hasOriginal = jdbc.sql("SELECT CASE WHEN has_original THEN 1 ELSE 0 END FROM document WHERE id = ? FOR UPDATE")
                    .param(id).query(Integer.class).optional().orElseThrow(() -> ApiProblem.notFound("Document", id));
            if (hasOriginal == 0) {
                throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.ORIGINAL_MISSING, "Original not kept",
                        "This document was uploaded before originals were kept; upload the file again");
            }
            int updated = jdbc.sql("""
                            UPDATE document SET status = 'PROCESSING', ocr = ?, ocr_languages = ?, pages_done = 0, attempts = 1,
                                   lease_until = now() + ? * interval '1 millisecond', error_type = NULL, error_title = NULL,
                                   error_detail = NULL, updated_at = now()
                            WHERE id = ? AND status <> 'PROCESSING'""")
                    .params(mode.name(), languages, properties.ingestion().lease().toMillis(), id)
                    .update();
            if (updated == 0) {
                throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.DOCUMENT_PROCESSING, "Document is being extracted",
                        "The document is already being extracted; wait until it is READY or FAILED");
            }
            // Its chunks are replaced when the new extraction is stored: refuse now if generation jobs hold them.
            try {
                jdbc.sql("SAVEPOINT in_use").update();
                jdbc.sql("DELETE FROM chunk WHERE document_id = ?").param(id).update();
                jdbc.sql("ROLLBACK TO SAVEPOINT in_use").update();
            } catch (DataIntegrityViolationException e) {
                throw inUse();
            }
        });
        extraction.start(id, 1, null, false);
        return current(id);
    }

    static ApiProblem inUse() {
        return new ApiProblem(HttpStatus.CONFLICT, ProblemType.DOCUMENT_IN_USE, "Document in use",
                "Generation jobs refer to this document; delete those jobs first");
    }

    private void claimFirstAttempt(UUID id) {
        jdbc.sql("UPDATE document SET attempts = 1, lease_until = now() + ? * interval '1 millisecond' WHERE id = ?")
                .params(properties.ingestion().lease().toMillis(), id).update();
    }

    private void insert(Document document) {
        jdbc.sql("""
                        INSERT INTO document (id, name, title, sha256, media_type, size_bytes, pages, tokens, chunk_count, status, ocr,
                                              ocr_languages, ocr_pages, pages_done, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(document.getId(), document.getName(), document.getTitle(), document.getSha256(), document.getMediaType(),
                        document.getSizeBytes(), document.getPages(), document.getTokens(), document.getChunkCount(),
                        document.getStatus().name(), document.getOcr().name(), document.getOcrLanguages(), document.getOcrPages(),
                        document.getPagesDone(), OffsetDateTime.ofInstant(document.getCreatedAt(), ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(document.getUpdatedAt(), ZoneOffset.UTC))
                .update();
    }

    private Document current(UUID id) {
        return documents.findById(id).orElseThrow(() -> ApiProblem.notFound("Document", id));
    }

    /**
     * OCR languages matter only for PDF pages read by OCR. Named ones (or any, with ocr=force) are checked now; the
     * default is checked when a page needs OCR, so a server without Tesseract still reads PDFs that have a text layer.
     */
    private String languages(MediaKind kind, OcrMode mode, String requested) {
        String languages = requested == null || requested.isBlank() ? properties.ocr().languages() : requested;
        boolean named = requested != null && !requested.isBlank();
        if (kind == MediaKind.PDF && (mode == OcrMode.FORCE || mode == OcrMode.AUTO && named)) {
            return tesseract.requireLanguages(languages);
        }
        return languages;
    }

    private MediaKind inspect(Path file, String name) throws IOException {
        byte[] head = new byte[SNIFF_BYTES];
        int length;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(head, 0, SNIFF_BYTES);
        }
        MediaKind.Container container = MediaKind.container(head, length);
        if (container == MediaKind.Container.ZIP) {
            return Archives.inspectZip(file, properties.limits());
        }
        if (container == MediaKind.Container.OLE2) {
            throw Archives.refuseOle2(file);
        }
        return MediaKind.sniff(head, length, name);
    }

    private static String copyHashing(MultipartFile upload, Path file) throws IOException {
        MessageDigest digest = Sha256.digest();
        try (InputStream in = upload.getInputStream(); OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
            in.transferTo(out);
        }
        return Sha256.hex(digest);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
