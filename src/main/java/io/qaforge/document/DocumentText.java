package io.qaforge.document;

import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Transient;
import org.springframework.data.domain.Persistable;

/** The cleaned full text, kept apart from {@link Document} so listings stay light. */
@Entity
class DocumentText implements Persistable<UUID> {

    @Id
    private UUID documentId;
    private String text;
    @Transient
    private boolean isNew;

    protected DocumentText() {
    }

    DocumentText(UUID documentId, String text) {
        this.documentId = documentId;
        this.text = text;
        this.isNew = true;
    }

    @Override
    public UUID getId() {
        return documentId;
    }

    @Override
    public boolean isNew() {
        return isNew;
    }

    String getText() {
        return text;
    }
}
