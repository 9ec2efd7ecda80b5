package io.qaforge.document;

import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;

import org.hibernate.annotations.Immutable;

import io.qaforge.system.AssignedIdEntity;

/**
 * The cleaned full text, kept apart from {@link Document} so listings stay light. Read through JPA, written only with
 * SQL by {@link DocumentExtraction}, which replaces it together with the document's guarded state change.
 */
@Entity
@Immutable
@AttributeOverride(name = "id", column = @Column(name = "document_id"))
class DocumentText extends AssignedIdEntity {

    private String text;

    protected DocumentText() {
    }

    String getText() {
        return text;
    }
}
