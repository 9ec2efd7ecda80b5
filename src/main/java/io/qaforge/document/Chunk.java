package io.qaforge.document;

import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;

/** About 500 tokens of a document's clean text: the unit that questions are generated from. */
@Entity
public class Chunk {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "chunk_seq")
    @SequenceGenerator(name = "chunk_seq", sequenceName = "chunk_seq", allocationSize = 50)
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

    Chunk(UUID documentId, int ordinal, String text, int tokens, int pageFrom, int pageTo, int charFrom, int charTo, boolean ocr) {
        this.documentId = documentId;
        this.ordinal = ordinal;
        this.text = text;
        this.tokens = tokens;
        this.pageFrom = pageFrom;
        this.pageTo = pageTo;
        this.charFrom = charFrom;
        this.charTo = charTo;
        this.ocr = ocr;
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
