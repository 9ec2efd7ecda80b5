package io.qaforge.document;

import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;

import org.hibernate.annotations.Immutable;

import io.qaforge.document.text.ChunkWriter;

/**
 * About 500 tokens of a document's clean text: the unit that questions are generated from. Read through JPA (paging,
 * derived queries, the {@code Size} projection); inserted only by {@link ChunkWriter}'s SQL, hence {@code @Immutable}.
 */
@Entity
@Immutable
public class Chunk {

    @Id
    private Long id;
    private UUID documentId;
    private int ordinal;
    private String text;
    private int tokens;
    private int pageFrom;
    private int pageTo;
    private int charFrom;
    private int charTo;
    private boolean ocr;

    protected Chunk() {
    }

    public Long getId() {
        return id;
    }

    public UUID getDocumentId() {
        return documentId;
    }

    public int getOrdinal() {
        return ordinal;
    }

    public String getText() {
        return text;
    }

    public int getTokens() {
        return tokens;
    }

    public int getPageFrom() {
        return pageFrom;
    }

    public int getPageTo() {
        return pageTo;
    }

    public int getCharFrom() {
        return charFrom;
    }

    public int getCharTo() {
        return charTo;
    }

    /** Whether some of the text was read by OCR from a page image (rather than from the file's text). */
    public boolean isOcr() {
        return ocr;
    }
}
