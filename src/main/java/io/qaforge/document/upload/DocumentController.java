package io.qaforge.document.upload;

import java.io.IOException;
import java.net.URI;
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
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.qaforge.document.Chunk;
import io.qaforge.document.ChunkRepository;
import io.qaforge.document.Document;
import io.qaforge.document.DocumentRepository;
import io.qaforge.document.text.DocumentTextRepository;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

@RestController
@RequestMapping("/api/documents")
class DocumentController {

    /** @param ocr whether some of the chunk's text was read by OCR */
    record ChunkView(long id, int ordinal, String text, int tokens, int pageFrom, int pageTo, int charFrom, int charTo, boolean ocr) {
        static ChunkView of(Chunk c) {
            return new ChunkView(c.getId(), c.getOrdinal(), c.getText(), c.getTokens(), c.getPageFrom(), c.getPageTo(),
                    c.getCharFrom(), c.getCharTo(), c.isOcr());
        }
    }

    /** Settings for a re-extraction; what is left out keeps its current value. */
    record ReprocessRequest(String ocr, String ocrLanguages) {
    }

    private final DocumentIngestion ingestion;
    private final DocumentEvents events;
    private final Originals originals;
    private final DocumentRepository documents;
    private final DocumentTextRepository texts;
    private final ChunkRepository chunks;
    private final JdbcClient jdbc;

    DocumentController(DocumentIngestion ingestion, DocumentEvents events, Originals originals, DocumentRepository documents,
                       DocumentTextRepository texts, ChunkRepository chunks, JdbcClient jdbc) {
        this.ingestion = ingestion;
        this.events = events;
        this.originals = originals;
        this.documents = documents;
        this.texts = texts;
        this.chunks = chunks;
        this.jdbc = jdbc;
    }

    @Operation(summary = "Upload a PDF, Word (DOCX), OpenDocument text (ODT), HTML, EPUB, plain text or Markdown file",
            description = "201 with the READY document when it was extracted quickly; 202 with the PROCESSING document and its "
                    + "Location when extraction goes on in the background (follow it there or at /events); 200 with the "
                    + "existing document when the same bytes were uploaded before. ocr: auto (pages without a usable text "
                    + "layer), off or force (every page); ocrLanguages: Tesseract languages such as eng+deu")
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<DocumentView> upload(@RequestParam("file") MultipartFile file,
                                        @RequestParam(value = "title", required = false) String title,
                                        @RequestParam(value = "ocr", required = false) String ocr,
                                        @RequestParam(value = "ocrLanguages", required = false) String ocrLanguages) throws IOException {
        if (title != null && title.length() > Document.MAX_TITLE_LENGTH) {
            throw ApiProblem.badRequest(ProblemType.INVALID_TITLE, "Title too long",
                    "title is limited to " + Document.MAX_TITLE_LENGTH + " characters, was " + title.length());
        }
        DocumentIngestion.Result result = ingestion.ingest(file, title, ocr, ocrLanguages);
        Document document = result.document();
        if (!result.created()) {
            return ResponseEntity.ok(DocumentView.of(document));
        }
        return document.getStatus() == Document.Status.PROCESSING
                ? accepted(document)
                : ResponseEntity.status(HttpStatus.CREATED).location(location(document)).body(DocumentView.of(document));
    }

    @Operation(summary = "Extract a document again from its original bytes, with new OCR settings if given",
            description = "202 with the document PROCESSING; its chunks are replaced when it is READY again")
    @PostMapping("/{id}/reprocess")
    ResponseEntity<DocumentView> reprocess(@PathVariable UUID id, @RequestBody(required = false) ReprocessRequest request) {
        var settings = request == null ? new ReprocessRequest(null, null) : request;
        return accepted(ingestion.reprocess(id, settings.ocr(), settings.ocrLanguages()));
    }

    @Operation(summary = "The document's extraction progress as Server-Sent Events",
            description = "a 'document' event (the document as GET shows it: status, pagesDone, pages, ocrPages, error) "
                    + "whenever it changes; the stream ends after the event showing it READY or FAILED")
    @GetMapping(value = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(@PathVariable UUID id) {
        return events.subscribe(DocumentView.of(find(id)));
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
            originals.delete(id);
            jdbc.sql("DELETE FROM document WHERE id = ?").param(id).update();
        } catch (DataIntegrityViolationException e) {
            throw DocumentIngestion.inUse();
        }
        return ResponseEntity.noContent().build();
    }

    private static ResponseEntity<DocumentView> accepted(Document document) {
        return ResponseEntity.accepted().location(location(document)).body(DocumentView.of(document));
    }

    private static URI location(Document document) {
        return URI.create("/api/documents/" + document.getId());
    }

    private Document find(UUID id) {
        return documents.findById(id).orElseThrow(() -> ApiProblem.notFound("Document", id));
    }
}
