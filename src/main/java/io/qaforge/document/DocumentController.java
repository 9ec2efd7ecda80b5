package io.qaforge.document;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import io.qaforge.system.ApiProblem;

@RestController
@RequestMapping("/api/documents")
class DocumentController {

    record DocumentView(UUID id, String name, String title, String sha256, String mediaType, long sizeBytes, int pages,
                        int tokens, int chunkCount, Document.Status status, Instant createdAt) {
        static DocumentView of(Document d) {
            return new DocumentView(d.getId(), d.getName(), d.getTitle(), d.getSha256(), d.getMediaType(), d.getSizeBytes(),
                    d.getPages(), d.getTokens(), d.getChunkCount(), d.getStatus(), d.getCreatedAt());
        }
    }

    record ChunkView(long id, int ordinal, String text, int tokens, int pageFrom, int pageTo, int charFrom, int charTo) {
        static ChunkView of(Chunk c) {
            return new ChunkView(c.getId(), c.getOrdinal(), c.getText(), c.getTokens(), c.getPageFrom(), c.getPageTo(),
                    c.getCharFrom(), c.getCharTo());
        }
    }

    static final int MAX_TITLE_LENGTH = 300;

    private final DocumentIngestion ingestion;
    private final DocumentRepository documents;
    private final DocumentTextRepository texts;
    private final ChunkRepository chunks;

    DocumentController(DocumentIngestion ingestion, DocumentRepository documents, DocumentTextRepository texts, ChunkRepository chunks) {
        this.ingestion = ingestion;
        this.documents = documents;
        this.texts = texts;
        this.chunks = chunks;
    }

    @Operation(summary = "Upload a PDF, plain text or Markdown file",
            description = "201 with the new document; 200 with the existing one when the same bytes were uploaded before")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<DocumentView> upload(@RequestParam("file") MultipartFile file,
                                        @RequestParam(value = "title", required = false) String title) throws IOException {
        if (title != null && title.length() > MAX_TITLE_LENGTH) {
            throw ApiProblem.badRequest("invalid-title", "Title too long",
                    "title is limited to " + MAX_TITLE_LENGTH + " characters, was " + title.length());
        }
        DocumentIngestion.Result result = ingestion.ingest(file, title);
        return ResponseEntity.status(result.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(DocumentView.of(result.document()));
    }

    @GetMapping
    Page<DocumentView> list(@PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return documents.findAll(pageable).map(DocumentView::of);
    }

    @GetMapping("/{id}")
    DocumentView get(@PathVariable UUID id) {
        return DocumentView.of(find(id));
    }

    @GetMapping("/{id}/chunks")
    Page<ChunkView> chunks(@PathVariable UUID id, @PageableDefault(size = 20) Pageable pageable) {
        find(id);
        return chunks.findByDocumentIdOrderByOrdinal(id, Pageable.ofSize(pageable.getPageSize()).withPage(pageable.getPageNumber()))
                .map(ChunkView::of);
    }

    @GetMapping(value = "/{id}/text", produces = MediaType.TEXT_PLAIN_VALUE + ";charset=UTF-8")
    String text(@PathVariable UUID id) {
        return texts.findById(id).orElseThrow(() -> ApiProblem.notFound("Document", id)).getText();
    }

    @DeleteMapping("/{id}")
    @Transactional
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        find(id);
        try {
            documents.deleteById(id);
            documents.flush();
        } catch (DataIntegrityViolationException e) {
            throw new ApiProblem(HttpStatus.CONFLICT, "document-in-use", "Document in use",
                    "Generation jobs refer to this document; delete those jobs first");
        }
        return ResponseEntity.noContent().build();
    }

    private Document find(UUID id) {
        return documents.findById(id).orElseThrow(() -> ApiProblem.notFound("Document", id));
    }
}
