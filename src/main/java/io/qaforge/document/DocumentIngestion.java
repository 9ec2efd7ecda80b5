package io.qaforge.document;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.multipart.MultipartFile;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.Sha256;

/**
 * Upload to stored chunks: hash, sniff, extract, clean, chunk, then one transaction that stores all or nothing.
 * Everything slow happens before the transaction; a rejected upload never touches the database.
 */
@Service
class DocumentIngestion {

    record Result(Document document, boolean created) {
    }

    private static final int SNIFF_BYTES = 8192;

    private final DocumentRepository documents;
    private final DocumentTextRepository texts;
    private final ChunkRepository chunks;
    private final TransactionTemplate transaction;
    private final Chunker chunker;
    private final PdfExtractor pdfExtractor = new PdfExtractor(Runtime.getRuntime().availableProcessors());

    DocumentIngestion(DocumentRepository documents, DocumentTextRepository texts, ChunkRepository chunks,
                      TransactionTemplate transaction, TokenCounter tokens, DocumentProperties properties) {
        this.documents = documents;
        this.texts = texts;
        this.chunks = chunks;
        this.transaction = transaction;
        this.chunker = new Chunker(tokens, properties.chunkTargetTokens(), properties.chunkMaxTokens());
    }

    Result ingest(MultipartFile upload, String title) throws IOException {
        String name = FileNames.sanitize(upload.getOriginalFilename());
        Path file = Files.createTempFile("qaforge-upload-", ".bin");
        try {
            String sha256 = copyHashing(upload, file);
            if (Files.size(file) == 0) {
                throw ApiProblem.badRequest("empty-file", "Empty file", "The uploaded file '" + name + "' has no content");
            }
            var existing = documents.findBySha256(sha256);
            if (existing.isPresent()) {
                return new Result(existing.get(), false);
            }
            MediaKind kind = sniff(file, name);
            CleanText clean = kind == MediaKind.PDF
                    ? TextCleaner.cleanPdfPages(pdfExtractor.extractPages(file))
                    : TextCleaner.cleanPlainText(readUtf8(file));
            if (clean.text().isBlank()) {
                throw kind == MediaKind.PDF
                        ? new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "no-text-layer", "No extractable text",
                        "The PDF has no text layer (scanned? no text layer): run OCR on it first, then upload the result")
                        : new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "no-text", "No text", "The file holds only whitespace");
            }
            return store(name, blankToNull(title), sha256, kind, Files.size(file), clean);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private Result store(String name, String title, String sha256, MediaKind kind, long size, CleanText clean) {
        String text = clean.text();
        List<Chunker.Piece> pieces = chunker.chunk(text);
        int totalTokens = pieces.stream().mapToInt(Chunker.Piece::tokens).sum();
        var document = new Document(name, title, sha256, kind.mediaType, size, clean.pages(), totalTokens, pieces.size());
        List<Chunk> rows = new ArrayList<>(pieces.size());
        for (int i = 0; i < pieces.size(); i++) {
            Chunker.Piece piece = pieces.get(i);
            rows.add(new Chunk(document.getId(), i, text.substring(piece.from(), piece.to()), piece.tokens(),
                    clean.pageAt(piece.from()), clean.pageAt(piece.to() - 1), piece.from(), piece.to()));
        }
        try {
            return transaction.execute(status -> {
                documents.save(document);
                texts.save(new DocumentText(document.getId(), text));
                chunks.saveAll(rows);
                return new Result(document, true);
            });
        } catch (DataIntegrityViolationException raced) {
            // The same bytes were stored by a concurrent upload a moment ago: answer with that document.
            return documents.findBySha256(sha256).map(stored -> new Result(stored, false)).orElseThrow(() -> raced);
        }
    }

    private static String copyHashing(MultipartFile upload, Path file) throws IOException {
        MessageDigest digest = Sha256.digest();
        try (InputStream in = upload.getInputStream(); OutputStream out = new DigestOutputStream(Files.newOutputStream(file), digest)) {
            in.transferTo(out);
        }
        return Sha256.hex(digest);
    }

    private static MediaKind sniff(Path file, String name) throws IOException {
        byte[] head = new byte[SNIFF_BYTES];
        int length;
        try (InputStream in = Files.newInputStream(file)) {
            length = in.readNBytes(head, 0, SNIFF_BYTES);
        }
        return MediaKind.sniff(head, length, name);
    }

    private static String readUtf8(Path file) throws IOException {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (CharacterCodingException e) {
            throw new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported file type",
                    "Text files must be UTF-8");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
