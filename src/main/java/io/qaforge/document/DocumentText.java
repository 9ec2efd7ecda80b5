package io.qaforge.document;

import java.util.UUID;

import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;

import io.qaforge.system.AssignedIdEntity;

/** The cleaned full text, kept apart from {@link Document} so listings stay light. */
@Entity
@AttributeOverride(name = "id", column = @Column(name = "document_id"))
class DocumentText extends AssignedIdEntity {

    private String text;

    protected DocumentText() {
    }

    DocumentText(UUID documentId, String text) {
        super(documentId);
        this.text = text;
    }

    String getText() {
        return text;
    }
}
