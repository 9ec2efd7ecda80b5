package io.qaforge.document;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * @param encoding          jtokkit encoding used for every token count (chunk sizes, prompt estimates)
 * @param chunkTargetTokens chunks are packed up to about this many tokens
 * @param chunkMaxTokens    no chunk is ever larger
 * @param limits            what one upload may hold before it is refused
 * @param ocr               Tesseract settings for pages without a usable text layer
 * @param ingestion         background extraction and where original bytes are kept
 * @param parser            the child JVM that reads Word, OpenDocument, EPUB and HTML files
 * @param events            the Server-Sent Events of documents being extracted
 */
@Validated
@ConfigurationProperties("qaforge.documents")
public record DocumentProperties(@DefaultValue("o200k_base") String encoding,
                                 @DefaultValue("500") @Min(16) int chunkTargetTokens,
                                 @DefaultValue("700") @Min(16) int chunkMaxTokens,
                                 @Valid @NotNull @DefaultValue Limits limits, @Valid @NotNull @DefaultValue Ocr ocr,
                                 @Valid @NotNull @DefaultValue Ingestion ingestion,
                                 @Valid @NotNull @DefaultValue Parser parser,
                                 @Valid @NotNull @DefaultValue Events events) {

    public DocumentProperties {
        if (chunkMaxTokens < chunkTargetTokens) {
            throw new IllegalArgumentException("qaforge.documents.chunk-max-tokens must be >= chunk-target-tokens");
        }
    }

    /**
     * Bounds that keep a hostile or absurd file from exhausting memory: extraction stops as soon as one is passed.
     *
     * @param maxPages         pages a PDF may have (or claim to have)
     * @param maxPageChars     characters of text one page may yield
     * @param maxDocumentChars characters of text a whole document may yield
     * @param maxExpandedSize  bytes an archive (DOCX, ODT, EPUB) may expand to
     * @param maxArchiveEntries files an archive may hold
     */
    public record Limits(@DefaultValue("10000") @Min(1) int maxPages,
                         @DefaultValue("200000") @Min(1) int maxPageChars,
                         @DefaultValue("50000000") @Min(1) long maxDocumentChars,
                         @DefaultValue("512MB") DataSize maxExpandedSize,
                         @DefaultValue("10000") @Min(1) int maxArchiveEntries) {
    }

    /**
     * @param languages      Tesseract languages used when an upload names none ({@code eng}, {@code eng+deu}); its default
     *                       is in application.yml beside its environment variable, {@code QAFORGE_OCR_LANGUAGES}
     * @param dpi            resolution pages are rendered at for OCR, unless a page is one scanned image (read as it is)
     * @param threads        pages read at once (0: one per core)
     * @param minPageLetters in {@code auto} mode a page with fewer letters in its text layer, showing an image, is read by OCR
     * @param command        the Tesseract executable
     */
    public record Ocr(String languages, @DefaultValue("300") @Min(72) int dpi,
                      @DefaultValue("0") @Min(0) int threads, @DefaultValue("50") @Min(0) int minPageLetters,
                      @DefaultValue("tesseract") String command) {

        public int effectiveThreads() {
            return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * @param respondWithin an upload finished within this time is answered 201 (or its problem); later, 202 and it goes on
     *                      in the background
     * @param lease         a replica that stops reporting progress for this long is presumed dead, and another resumes
     * @param maxAttempts   extraction runs that may die (crash, kill) before the document is failed
     * @param threads       documents extracted at once per replica
     * @param originalsDir  where original bytes are kept; empty: in PostgreSQL as large objects
     */
    public record Ingestion(@DefaultValue("2s") Duration respondWithin, @DefaultValue("2m") Duration lease,
                            @DefaultValue("3") @Min(1) int maxAttempts, @DefaultValue("2") @Min(1) int threads,
                            Path originalsDir) {
    }

    /**
     * Word, OpenDocument, EPUB and HTML parsers build the whole document in memory (POI's XMLBeans tree, a DOM), which
     * a small file can blow up far past any limit on its text. They run in a child JVM per document, at most
     * {@code ingestion.threads} at once, so a file that needs too much exhausts only that JVM.
     *
     * @param heap    the child's heap: 512 MB reads a Word file of 100,000 paragraphs (3 million characters), and two
     *                children (about 600 MB resident each) beside a 2 GB service fit the compose file's 5 GB
     * @param timeout a child still parsing after this long is killed and the document refused
     */
    public record Parser(@DefaultValue("512MB") DataSize heap, @DefaultValue("2m") Duration timeout) {
    }

    /**
     * @param maxOpen   document event streams one replica keeps open at once
     * @param keepAlive a stream with no news gets a comment line this often, so proxies keep it open and a client that
     *                  went away is noticed
     */
    public record Events(@DefaultValue("1000") @Min(1) int maxOpen, @DefaultValue("15s") Duration keepAlive) {
    }
}
