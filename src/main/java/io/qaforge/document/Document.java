package io.qaforge.document;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;

import io.qaforge.system.AssignedIdEntity;

@Entity
public class Document extends AssignedIdEntity {

    /** Ingestion is synchronous, so a stored document is always ready; the column leaves room for background parsing. */
    public enum Status { READY }

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
    private Instant createdAt;

    protected Document() {
    }

    Document(String name, String title, String sha256, String mediaType, long sizeBytes, int pages, int tokens, int chunkCount) {
        super(UUID.randomUUID());
        this.name = name;
        this.title = title;
        this.sha256 = sha256;
        this.mediaType = mediaType;
        this.sizeBytes = sizeBytes;
        this.pages = pages;
        this.tokens = tokens;
        this.chunkCount = chunkCount;
        this.status = Status.READY;
        this.createdAt = Instant.now();
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
}
