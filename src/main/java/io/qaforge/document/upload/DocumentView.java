package io.qaforge.document.upload;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.qaforge.document.Document;

/**
 * A document as the API shows it. While {@code PROCESSING}, {@code pagesDone} of {@code pages} are extracted; a
 * {@code FAILED} document carries the problem that stopped it in {@code error}.
 */
record DocumentView(UUID id, String name, String title, String sha256, String mediaType, long sizeBytes, int pages,
                    int pagesDone, int ocrPages, String ocr, String ocrLanguages, int tokens, int chunkCount,
                    Document.Status status, @JsonInclude(JsonInclude.Include.NON_NULL) Error error, Instant createdAt,
                    Instant updatedAt) {

    /** The problem+json fields of what stopped the extraction. */
    record Error(String type, String title, String detail) {
    }

    static DocumentView of(Document d) {
        Error error = d.getErrorType() == null ? null
                : new Error("/problems/" + d.getErrorType(), d.getErrorTitle(), d.getErrorDetail());
        return new DocumentView(d.getId(), d.getName(), d.getTitle(), d.getSha256(), d.getMediaType(), d.getSizeBytes(),
                d.getPages(), d.getPagesDone(), d.getOcrPages(), d.getOcr().name().toLowerCase(java.util.Locale.ROOT),
                d.getOcrLanguages(), d.getTokens(), d.getChunkCount(), d.getStatus(), error, d.getCreatedAt(), d.getUpdatedAt());
    }
}
