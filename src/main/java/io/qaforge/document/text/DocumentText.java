package io.qaforge.document.text;

import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;

import org.hibernate.annotations.Immutable;

import io.qaforge.document.Document;
import io.qaforge.document.extraction.DocumentExtraction;
import io.qaforge.system.AssignedIdEntity;

/**
 * The cleaned full text, kept apart from {@link Document} so listings stay light. Read through JPA, written only with
 * SQL by {@link DocumentExtraction}, which replaces it together with the document's guarded state change.
 */
@Entity
@Immutable
@AttributeOverride(name = "id", column = @Column(name = "document_id"))
public class DocumentText extends AssignedIdEntity {

    private String text;

    protected DocumentText() {
    }

    public String getText() {
        return text;
    }
}
