package io.qaforge.exam;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
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
 * What the in-context phase puts in the prompt of a question, and where it came from ({@link Context#source}): the
 * uploader's own passage; the whole document when it fits {@link #WHOLE_DOCUMENT_MAX_TOKENS}; a generated question's
 * source chunk; or, for a question that came with no passage, the passages of the run's documents that BM25 ranks
 * highest for it. The whole document is the fairer ceiling (a question may need a neighbouring passage, and it is what
 * a user would paste into a chat), but it costs prompt length on every question; retrieval makes the ceiling of a
 * hand-written exam on a long document "retrieval-augmented", the comparison the memorisation research makes.
 */
@Component
class Contexts {

    /** The uploader's passage, a whole document, a generated question's source chunk, passages ranked by BM25. */
    static final String UPLOADED = "uploaded", DOCUMENT = "document", CHUNK = "chunk", RETRIEVED = "retrieved";

    /**
     * @param passages for {@code retrieved}: the passages {@code text} joins with a blank line, best first, so that a
     *                 model with a smaller window can keep the best of them (the worker does); null for the others
     */
    record Context(String text, String source, List<String> passages) {

        Context(String text, String source) {
            this(text, source, null);
        }
    }

    /**
     * About 4,000 tokens (counted with the service's tokenizer): with the chat template, the question and a 128-token
     * answer it stays inside an 8k-token window (the smallest that small instruct models such as SmolLM2 have) even for
     * a tokenizer that needs half again as many tokens as ours, and a batch of 8 such prompts still evaluates in
     * seconds on a GPU. Longer documents give each question its ~500-token chunk.
     */
    static final int WHOLE_DOCUMENT_MAX_TOKENS = 4_000;

    /** About four ~500-token chunks: the top-k of a typical RAG prompt, and half of what a whole document may take. */
    static final int RETRIEVED_MAX_TOKENS = 2_000;

    private final DocumentRepository documents;
    private final ChunkRepository chunks;

    Contexts(DocumentRepository documents, ChunkRepository chunks) {
        this.documents = documents;
        this.chunks = chunks;
    }

    /** Chunk id to its context; a chunk that no longer exists has none. */
    Map<Long, Context> ofChunks(Collection<Long> chunkIds) {
        Map<Long, Chunk> byId = chunks.findAllById(chunkIds).stream().collect(Collectors.toMap(Chunk::getId, c -> c));
        Map<UUID, Optional<String>> whole = new HashMap<>();
        Map<Long, Context> contexts = new HashMap<>();
        byId.forEach((id, chunk) -> contexts.put(id, whole.computeIfAbsent(chunk.getDocumentId(), this::wholeDocument)
                .map(text -> new Context(text, DOCUMENT)).orElse(new Context(chunk.getText(), CHUNK))));
        return contexts;
    }

    /**
     * A context for each of these questions from these documents (same order): their whole text when together they fit
     * {@link #WHOLE_DOCUMENT_MAX_TOKENS}, else the passages BM25 ranks highest for the question, up to
     * {@link #RETRIEVED_MAX_TOKENS}, best first; null for a question none of whose words the documents hold, or when they have no text.
     */
    List<Context> forQuestions(List<String> questions, Collection<UUID> documentIds) {
        List<Document> ready = documents.findAllById(new LinkedHashSet<>(documentIds)).stream()
                .filter(document -> document.getStatus() == Document.Status.READY).toList();
        List<Context> contexts = new ArrayList<>();
        if (ready.stream().mapToLong(Document::getTokens).sum() <= WHOLE_DOCUMENT_MAX_TOKENS) {
            String text = ready.stream().map(document -> text(document.getId())).collect(Collectors.joining("\n\n"));
            questions.forEach(question -> contexts.add(text.isBlank() ? null : new Context(text, DOCUMENT)));
            return contexts;
        }
        List<Chunk> all = ready.stream().flatMap(document -> chunksOf(document.getId()).stream()).toList();
        try (Passages passages = new Passages(all)) {
            for (String question : questions) {
                List<String> best = passages.best(question, RETRIEVED_MAX_TOKENS).stream().map(Chunk::getText).toList();
                contexts.add(best.isEmpty() ? null : new Context(String.join("\n\n", best), RETRIEVED, best));
            }
        }
        return contexts;
    }

    /** The document's text when it fits; empty when it is too long (or gone, or not extracted yet). */
    Optional<String> wholeDocument(UUID documentId) {
        return documents.findById(documentId)
                .filter(document -> document.getStatus() == Document.Status.READY && document.getTokens() <= WHOLE_DOCUMENT_MAX_TOKENS)
                .map(document -> text(document.getId()));
    }

    Optional<Document> document(UUID documentId) {
        return documents.findById(documentId);
    }

    private String text(UUID documentId) {
        return chunksOf(documentId).stream().map(Chunk::getText).collect(Collectors.joining("\n\n"));
    }

    private List<Chunk> chunksOf(UUID documentId) {
        return chunks.findByDocumentIdOrderByOrdinal(documentId, Pageable.unpaged()).getContent();
    }
}
