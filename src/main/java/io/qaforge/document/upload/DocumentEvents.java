package io.qaforge.document.upload;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.document.Document;
import io.qaforge.document.DocumentProperties;
import io.qaforge.document.DocumentRepository;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.PolledFeed;
import io.qaforge.system.ProblemType;

/**
 * Server-Sent Events of documents being extracted, whichever replica extracts them. A {@code document} event carries
 * the document as {@code GET /api/documents/{id}} shows it, sent when it changes; the stream ends after the event that
 * shows it READY or FAILED, or when the document is deleted.
 */
@Component
class DocumentEvents extends PolledFeed<DocumentView> {

    private final DocumentRepository documents;
    private final int maxOpen;

    DocumentEvents(DocumentRepository documents, DocumentProperties properties) {
        super("document", new Settings(properties.events().maxOpen(), properties.events().keepAlive()));
        this.documents = documents;
        this.maxOpen = properties.events().maxOpen();
    }

    @Override
    protected UUID id(DocumentView view) {
        return view.id();
    }

    @Override
    protected List<DocumentView> read(Collection<UUID> ids) {
        return documents.findAllById(ids).stream().map(DocumentView::of).toList();
    }

    @Override
    protected boolean progressed(DocumentView sent, DocumentView next) {
        return !Objects.equals(sent.updatedAt(), next.updatedAt());
    }

    @Override
    protected boolean ended(DocumentView view) {
        return view.status() != Document.Status.PROCESSING;
    }

    @Override
    protected ApiProblem tooMany(DocumentView current) {
        return new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_EVENT_STREAMS, "Too many event streams",
                "This replica serves at most " + maxOpen + " document event streams at once (qaforge.documents.events.max-open); "
                        + "poll GET /api/documents/" + current.id() + " instead");
    }
}
