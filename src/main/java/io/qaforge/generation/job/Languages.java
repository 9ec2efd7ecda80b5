package io.qaforge.generation.job;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import org.springframework.data.domain.PageRequest;
import org.springframework.stereotype.Component;

import io.qaforge.system.ProblemType;
import io.qaforge.document.Chunk;
import io.qaforge.document.ChunkRepository;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.Language;

/**
 * The language a job writes in for each chunk: the job's own {@code language} where it names one, else its document's,
 * detected by Lingua on the document's first chunks (a whole document, not one chunk, so a table or a code listing in
 * a German manual is still written about in German). A document's text never changes once ready, so its language is
 * detected once per document and kept.
 */
@Component
public class Languages {

    /** Chunks of a document Lingua reads: enough text to tell its language, little enough to read quickly. */
    static final int SAMPLE_CHUNKS = 5;

    private final ChunkRepository chunks;
    private final Map<UUID, Language> documents = new ConcurrentHashMap<>();

    Languages(ChunkRepository chunks) {
        this.chunks = chunks;
    }

    /** The language a job's calls about this chunk ask for and its gate expects. */
    public Language of(JobParams params, Chunk chunk) {
        return params.language() != null ? Language.ofCode(params.language()).orElseThrow() : document(chunk.getDocumentId());
    }

    Language document(UUID documentId) {
        return documents.computeIfAbsent(documentId, id -> Language.of(chunks.findByDocumentIdOrderByOrdinal(id,
                PageRequest.of(0, SAMPLE_CHUNKS)).stream().map(Chunk::getText).collect(Collectors.joining("\n"))));
    }

    /** A request's {@code language}, as its ISO 639-1 code; null (detect per document) where it names none. */
    static String parse(String requested) {
        if (requested == null || requested.isBlank()) {
            return null;
        }
        return Language.ofCode(requested).map(Language::code).orElseThrow(() -> ApiProblem.badRequest(ProblemType.INVALID_LANGUAGE,
                "Unknown language", "language is the ISO 639-1 code of one of "
                        + java.util.Arrays.stream(Language.values()).map(l -> l.code() + " (" + l.displayName() + ")")
                        .collect(Collectors.joining(", ")) + "; was '" + requested + "'"));
    }

    /** What a prompt adds so that its answer comes back in the language: nothing for English, the prompts' own. */
    public static String instruct(String prompt, Language language) {
        return prompt == null || language == Language.ENGLISH ? prompt : prompt + "\n\n" + language.instruction();
    }
}
