package io.qaforge.exam;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Component;

import io.qaforge.document.Chunk;
import io.qaforge.document.ChunkRepository;
import io.qaforge.document.Document;
import io.qaforge.document.DocumentRepository;

/**
 * What the in-context phase puts in the prompt of a question: the whole document it came from when that fits
 * {@link #WHOLE_DOCUMENT_MAX_TOKENS}, else its source chunk. The whole document is the fairer ceiling (a question may
 * need a neighbouring passage, and it is what a user would paste into a chat), but it costs prompt length on every
 * question of the exam.
 */
@Component
class Contexts {

    /**
     * About 4,000 tokens (counted with the service's tokenizer): with the chat template, the question and a 128-token
     * answer it stays inside an 8k-token window (the smallest that small instruct models such as SmolLM2 have) even for
     * a tokenizer that needs half again as many tokens as ours, and a batch of 8 such prompts still evaluates in
     * seconds on a GPU. Longer documents give each question its ~500-token chunk.
     */
    static final int WHOLE_DOCUMENT_MAX_TOKENS = 4_000;

    private final DocumentRepository documents;
    private final ChunkRepository chunks;

    Contexts(DocumentRepository documents, ChunkRepository chunks) {
        this.documents = documents;
        this.chunks = chunks;
    }

    /** Chunk id to its context; a chunk that no longer exists has none. */
    Map<Long, String> ofChunks(Collection<Long> chunkIds) {
        Map<Long, Chunk> byId = chunks.findAllById(chunkIds).stream().collect(Collectors.toMap(Chunk::getId, c -> c));
        Map<UUID, Optional<String>> whole = new HashMap<>();
        Map<Long, String> contexts = new HashMap<>();
        byId.forEach((id, chunk) -> contexts.put(id, whole.computeIfAbsent(chunk.getDocumentId(), this::wholeDocument).orElse(chunk.getText())));
        return contexts;
    }

    /** The document's text when it fits; empty when it is too long (or gone, or not extracted yet). */
    Optional<String> wholeDocument(UUID documentId) {
        return documents.findById(documentId)
                .filter(document -> document.getStatus() == Document.Status.READY && document.getTokens() <= WHOLE_DOCUMENT_MAX_TOKENS)
                .map(Document::getId)
                .map(id -> chunks.findByDocumentIdOrderByOrdinal(id, Pageable.unpaged()).stream()
                        .map(Chunk::getText).collect(Collectors.joining("\n\n")));
    }

    Optional<Document> document(UUID documentId) {
        return documents.findById(documentId);
    }
}
