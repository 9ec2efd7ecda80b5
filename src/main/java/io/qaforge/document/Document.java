package io.qaforge.document;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;

import org.hibernate.annotations.Immutable;

import io.qaforge.document.extraction.DocumentExtraction;
import io.qaforge.system.AssignedIdEntity;

/**
 * An uploaded document. Read through JPA, written only with SQL (inserted by {@code DocumentIngestion}, its extraction's
 * leased state changes by {@link DocumentExtraction}), hence {@code @Immutable}.
 */
@Entity
@Immutable
public class Document extends AssignedIdEntity {

    /** Extracted in the background: chunks exist (all of them) only when READY. */
    public enum Status { PROCESSING, READY, FAILED }

    /** The longest title an upload may give (characters). */
    public static final int MAX_TITLE_LENGTH = 300;

    private String name;
    private String title;
    private String sha256;
    private String mediaType;
    private long sizeBytes;
    private int pages;
    private int tokens;
    private int chunkCount;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Enumerated(EnumType.STRING)
    private OcrMode ocr;
    private String ocrLanguages;
    private int ocrPages;
    private int pagesDone;
    private String errorType;
    private String errorTitle;
    private String errorDetail;
    private Instant createdAt;
    private Instant updatedAt;

    protected Document() {
    }

    /** A new upload, about to be extracted. */
    public Document(String name, String title, String sha256, String mediaType, long sizeBytes, int pages, OcrMode ocr, String ocrLanguages) {
        super(UUID.randomUUID());
        this.name = name;
        this.title = title;
        this.sha256 = sha256;
        this.mediaType = mediaType;
        this.sizeBytes = sizeBytes;
        this.pages = pages;
        this.ocr = ocr;
        this.ocrLanguages = ocrLanguages;
        this.status = Status.PROCESSING;
        this.createdAt = Instant.now();
        this.updatedAt = createdAt;
    }

    public String getName() {
        return name;
    }

    public String getTitle() {
        return title;
    }

    public String getSha256() {
        return sha256;
    }

    public String getMediaType() {
        return mediaType;
    }

    public long getSizeBytes() {
        return sizeBytes;
    }

    public int getPages() {
        return pages;
    }

    public int getTokens() {
        return tokens;
    }

    public int getChunkCount() {
        return chunkCount;
    }

    public Status getStatus() {
        return status;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    public OcrMode getOcr() {
        return ocr;
    }

    public String getOcrLanguages() {
        return ocrLanguages;
    }

    public int getOcrPages() {
        return ocrPages;
    }

    public int getPagesDone() {
        return pagesDone;
    }

    public String getErrorType() {
        return errorType;
    }

    public String getErrorTitle() {
        return errorTitle;
    }

    public String getErrorDetail() {
        return errorDetail;
    }
}
