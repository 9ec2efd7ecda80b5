package io.qaforge.document;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.http.HttpStatus;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

public interface DocumentRepository extends JpaRepository<Document, UUID> {

    Optional<Document> findBySha256(String sha256);

    List<Document> findByIdInOrderByNameAscSha256Asc(Collection<UUID> ids);

    /**
     * For features that build on documents (generation): refuses, as problem+json, ids of documents that do not exist
     * (422 {@code unknown-document}) or whose extraction has not finished well (409 {@code document-not-ready}).
     */
    default void requireReady(Collection<UUID> ids) {
        var wanted = new LinkedHashSet<>(ids);
        Map<UUID, Document> found = findAllById(wanted.stream().filter(Objects::nonNull).toList()).stream()
                .collect(Collectors.toMap(Document::getId, Function.identity()));
        for (UUID id : wanted) {
            Document document = id == null ? null : found.get(id);
            if (document == null) {
                throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.UNKNOWN_DOCUMENT, "Unknown document", "No document with id " + id);
            }
            switch (document.getStatus()) {
                case READY -> { }
                case PROCESSING -> throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.DOCUMENT_NOT_READY, "Document not ready",
                        "Document " + id + " is still being extracted (" + document.getPagesDone() + " of "
                                + document.getPages() + " pages); start the job when it is READY");
                case FAILED -> throw new ApiProblem(HttpStatus.CONFLICT, ProblemType.DOCUMENT_NOT_READY, "Document not ready",
                        "Document " + id + " failed to extract (" + document.getErrorDetail()
                                + "); reprocess it or upload another file");
            }
        }
    }
}
