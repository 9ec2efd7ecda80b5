package io.qaforge.document.extraction;

import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.graphics.PDXObject;
import org.apache.pdfbox.pdmodel.graphics.color.PDDeviceGray;
import org.apache.pdfbox.pdmodel.graphics.form.PDFormXObject;
import org.apache.pdfbox.pdmodel.graphics.image.PDImageXObject;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.rendering.ImageType;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.pdfbox.text.TextPosition;
import org.springframework.http.HttpStatus;

import io.qaforge.document.DocumentProperties;
import io.qaforge.document.OcrMode;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Raw text of each page, in reading order, with paragraph starts marked by {@link #PARAGRAPH}; pages without a usable
 * text layer are rendered and read by OCR. Large files stay out of the heap (temp-file stream cache); page ranges are
 * extracted in parallel, one {@link PDDocument} per thread because PDFBox documents are not thread-safe. Every page
 * and character is counted against the limits as it is read, so a hostile file is stopped before it costs memory.
 */
public class PdfExtractor {

    public static final char PARAGRAPH = '\u2029';
    private static final int MIN_PAGES_PER_THREAD = 20;
    /** Scans outside this range of resolutions are rendered at the configured one instead of read as they are. */
    private static final int MIN_SCAN_DPI = 100;
    private static final int MAX_SCAN_DPI = 600;
    /** Larger scans are rendered instead: Tesseract would hold them whole (a page of A3 at 600 dpi is 70 million). */
    private static final long MAX_SCAN_PIXELS = 100_000_000;

    /** Raw page texts and the pages (0-based) whose text came from OCR. */
    record Pages(List<String> texts, BitSet ocrPages) {
    }

    /** How a page's text is obtained, and who hears of finished pages. */
    record Request(OcrMode ocr, String ocrLanguages, Progress progress) {
    }

    interface Progress {
        void pagesDone(int done, int total);
    }

    private final int threads;
    private final DocumentProperties.Limits limits;
    private final DocumentProperties.Ocr ocrSettings;
    private final Tesseract tesseract;

    PdfExtractor(int threads, DocumentProperties.Limits limits, DocumentProperties.Ocr ocrSettings, Tesseract tesseract) {
        this.threads = threads;
        this.limits = limits;
        this.ocrSettings = ocrSettings;
        this.tesseract = tesseract;
    }

    /** Opens the file far enough to refuse it at once: unreadable, encrypted, or more pages than allowed. */
    public int inspect(Path pdf) {
        try (PDDocument document = open(pdf)) {
            return checkedPageCount(document);
        } catch (IOException e) {
            throw corrupt(e);
        }
    }

    Pages extract(Path pdf, Request request) {
        try (PDDocument document = open(pdf)) {
            int pageCount = checkedPageCount(document);
            var run = new Run(request, pageCount);
            List<String> texts;
            if (request.ocr() == OcrMode.FORCE) {
                texts = blankPages(pageCount);
                for (int i = 0; i < pageCount; i++) {
                    run.markForOcr(i);
                }
            } else {
                texts = extractText(pdf, document, run);
            }
            BitSet ocrPages = request.ocr() == OcrMode.OFF ? new BitSet() : ocr(pdf, texts, run);
            return new Pages(texts, ocrPages);
        } catch (IOException e) {
            throw corrupt(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : corrupt(new IOException(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while extracting text", e);
        }
    }

    /** State shared by the threads working on one document. */
    private final class Run {
        final Request request;
        final int pageCount;
        final AtomicInteger done = new AtomicInteger();
        final AtomicLong chars = new AtomicLong();
        /** Set when one thread fails, so the others stop at their next page instead of finishing for nothing. */
        final AtomicBoolean failed = new AtomicBoolean();
        private final BitSet ocrCandidates = new BitSet();

        Run(Request request, int pageCount) {
            this.request = request;
            this.pageCount = pageCount;
        }

        void pageDone() {
            request.progress().pagesDone(done.incrementAndGet(), pageCount);
        }

        /** Counts a finished page's characters against the document's limit. */
        void addChars(int pageChars) {
            if (chars.addAndGet(pageChars) > limits.maxDocumentChars()) {
                throw tooMuchText(ProblemType.DOCUMENT_TEXT_TOO_LARGE, "Too much text in the document",
                        "The document holds more than " + limits.maxDocumentChars() + " characters of text (the limit)");
            }
        }

        void checkNotFailed() {
            if (failed.get()) {
                throw new IllegalStateException("stopped: another part of the document failed");
            }
        }

        /**
         * In auto mode a page is looked at by OCR when its text layer has fewer letters than the setting and it shows
         * an image: a scan, or a scan with a stamped page number. A vector drawing with a short caption is left as is.
         */
        boolean wantsOcr(PDPage page, String pageText) {
            return switch (request.ocr()) {
                case OFF -> false;
                case FORCE -> true;
                case AUTO -> letters(pageText) < ocrSettings.minPageLetters() && hasImage(page.getResources(), 0);
            };
        }

        synchronized void markForOcr(int pageIndex) {
            ocrCandidates.set(pageIndex);
        }

        synchronized List<Integer> ocrCandidates() {
            return ocrCandidates.stream().boxed().toList();
        }
    }

    /** Whether the resources (or those of forms they hold, a few levels down) include an image. */
    private static boolean hasImage(PDResources resources, int depth) {
        if (resources == null || depth > 3) {
            return false;
        }
        for (COSName name : resources.getXObjectNames()) {
            try {
                PDXObject object = resources.getXObject(name);
                if (object instanceof PDImageXObject
                        || object instanceof PDFormXObject form && hasImage(form.getResources(), depth + 1)) {
                    return true;
                }
            } catch (IOException e) {
                // An unreadable object is no evidence of a scan.
            }
        }
        return false;
    }

    private List<String> extractText(Path pdf, PDDocument document, Run run)
            throws IOException, InterruptedException, ExecutionException {
        int pageCount = run.pageCount;
        int parts = Math.max(1, Math.min(threads, pageCount / MIN_PAGES_PER_THREAD));
        if (parts == 1) {
            return extractRange(document, 1, pageCount, run);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(parts - 1)) {
            List<Future<List<String>>> later = new ArrayList<>();
            for (int part = 1; part < parts; part++) {
                int first = firstPage(pageCount, parts, part);
                int last = firstPage(pageCount, parts, part + 1) - 1;
                later.add(pool.submit(() -> {
                    try (PDDocument copy = open(pdf)) {
                        return extractRange(copy, first, last, run);
                    } catch (RuntimeException | IOException e) {
                        run.failed.set(true);
                        throw e;
                    }
                }));
            }
            // The calling thread takes the first range with the document it already opened.
            List<String> pages = new ArrayList<>(pageCount);
            try {
                pages.addAll(extractRange(document, 1, firstPage(pageCount, parts, 1) - 1, run));
                for (Future<List<String>> range : later) {
                    pages.addAll(range.get());
                }
            } catch (RuntimeException | IOException | ExecutionException e) {
                run.failed.set(true);
                throw e;
            }
            return pages;
        }
    }

    private static int firstPage(int pageCount, int parts, int part) {
        return 1 + (int) ((long) pageCount * part / parts);
    }

    private List<String> extractRange(PDDocument document, int firstPage, int lastPage, Run run) throws IOException {
        var stripper = new PageCollectingStripper(run);
        stripper.setSortByPosition(true);
        // The check for text drawn twice over itself (fake bold) keeps every glyph in nested TreeMaps: the largest single
        // cost of extraction in the profile, for a rare kind of text (bench/ingest.sh measures agreement with pdftotext).
        stripper.setSuppressDuplicateOverlappingText(false);
        stripper.setStartPage(firstPage);
        stripper.setEndPage(lastPage);
        stripper.setParagraphStart(String.valueOf(PARAGRAPH));
        stripper.writeText(document, stripper.buffer);
        return stripper.pages;
    }

    /** Renders and reads the pages that want OCR; a page's OCR text replaces its text layer when it has more letters. */
    private BitSet ocr(Path pdf, List<String> texts, Run run) throws InterruptedException, ExecutionException {
        List<Integer> wanted = run.ocrCandidates();
        BitSet ocrPages = new BitSet();
        if (wanted.isEmpty()) {
            return ocrPages;
        }
        String languages = tesseract.requireLanguages(run.request.ocrLanguages());
        int workers = Math.min(ocrSettings.effectiveThreads(), wanted.size());
        var next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(workers)) {
            List<Future<?>> results = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                results.add(pool.submit(() -> {
                    try (PDDocument document = open(pdf)) {
                        var renderer = new PDFRenderer(document);
                        // Bilinear scaling: a scan's page image comes out as it went in, about 20 times faster than
                        // PDFBox's default bicubic quality rendering, and no worse for OCR.
                        var hints = new RenderingHints(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                        hints.put(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                        renderer.setRenderingHints(hints);
                        for (int n = next.getAndIncrement(); n < wanted.size(); n = next.getAndIncrement()) {
                            run.checkNotFailed();
                            int index = wanted.get(n);
                            PageImage page = pageImage(document, renderer, index);
                            if (page != null) {
                                String read = tesseract.read(page, languages);
                                checkPageChars(read.length(), index + 1);
                                synchronized (texts) {
                                    if (!read.isBlank() && (run.request.ocr() == OcrMode.FORCE || letters(read) > letters(texts.get(index)))) {
                                        run.addChars(read.length());
                                        texts.set(index, read);
                                        ocrPages.set(index);
                                    }
                                }
                            }
                            run.pageDone();
                        }
                        return null;
                    } catch (RuntimeException | IOException e) {
                        run.failed.set(true);
                        throw e;
                    }
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        }
        return ocrPages;
    }

    /**
     * A scanned page's own image at its own resolution, as Tesseract would read the scan directly: re-rendering it at
     * another resolution blurred small print (the table of contents of a 200-dpi scan read as noise) and took longer.
     * Any other page is rendered at the configured resolution. Null for a page found blank.
     */
    private PageImage pageImage(PDDocument document, PDFRenderer renderer, int index) throws IOException {
        PDPage page = document.getPage(index);
        PDImageXObject scan = onlyImage(page);
        if (scan != null) {
            PDRectangle box = page.getCropBox();
            double dpiAcross = scan.getWidth() * 72.0 / box.getWidth();
            double dpiDown = scan.getHeight() * 72.0 / box.getHeight();
            // The image fills the page (same proportions) at a resolution worth reading and not too large to hold.
            if (page.getRotation() % 360 == 0 && Math.abs(dpiAcross - dpiDown) <= 0.02 * dpiAcross
                    && dpiAcross >= MIN_SCAN_DPI && dpiAcross <= MAX_SCAN_DPI && (long) scan.getWidth() * scan.getHeight() <= MAX_SCAN_PIXELS) {
                int dpi = (int) Math.round(dpiAcross);
                byte[] file = ScanFile.of(scan);
                return file != null ? PageImage.stored(file, dpi) : PageImage.gray(grayScan(scan), dpi);
            }
        }
        return PageImage.gray(renderer.renderImageWithDPI(index, ocrSettings.dpi(), ImageType.GRAY), ocrSettings.dpi());
    }

    /**
     * An 8-bit grey scan's pixels as they are stored. PDFBox's {@code getImage} turns grey into RGB pixel by pixel and
     * {@link #gray} turned it back: most of the time OCR spent outside Tesseract.
     */
    private static BufferedImage grayScan(PDImageXObject scan) throws IOException {
        if (scan.getColorSpace() instanceof PDDeviceGray && scan.getBitsPerComponent() == 8 && scan.getDecode() == null) {
            var image = new BufferedImage(scan.getWidth(), scan.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
            byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            try (InputStream samples = scan.createInputStream()) {
                if (samples.readNBytes(pixels, 0, pixels.length) == pixels.length) {
                    return image;
                }
            }
        }
        return gray(scan.getImage());
    }

    /** The page's one image, when an image is all the page draws (as a scanner makes it); otherwise null. */
    private static PDImageXObject onlyImage(PDPage page) throws IOException {
        PDResources resources = page.getResources();
        if (resources == null) {
            return null;
        }
        PDImageXObject image = null;
        for (COSName name : resources.getXObjectNames()) {
            if (image != null || !(resources.getXObject(name) instanceof PDImageXObject only) || only.isStencil()) {
                return null;
            }
            image = only;
        }
        return image;
    }

    private static BufferedImage gray(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            return image;
        }
        var gray = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_GRAY);
        var graphics = gray.createGraphics();
        graphics.drawImage(image, 0, 0, null);
        graphics.dispose();
        return gray;
    }

    private int checkedPageCount(PDDocument document) {
        int pageCount = document.getNumberOfPages();
        if (pageCount > limits.maxPages()) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.TOO_MANY_PAGES, "Too many pages",
                    "The PDF declares " + pageCount + " pages; at most " + limits.maxPages() + " are accepted");
        }
        return pageCount;
    }

    private void checkPageChars(long chars, int page) {
        if (chars > limits.maxPageChars()) {
            throw tooMuchText(ProblemType.PAGE_TEXT_TOO_LARGE, "Too much text on one page",
                    "Page " + page + " holds more than " + limits.maxPageChars() + " characters of text (the limit per page)");
        }
    }

    private static ApiProblem tooMuchText(ProblemType type, String title, String detail) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, type, title, detail);
    }

    private static List<String> blankPages(int count) {
        List<String> pages = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            pages.add("");
        }
        return pages;
    }

    static int letters(String text) {
        int letters = 0;
        for (int i = 0; i < text.length(); i++) {
            if (Character.isLetter(text.charAt(i))) {
                letters++;
            }
        }
        return letters;
    }

    private static PDDocument open(Path pdf) throws IOException {
        try {
            return new PdfParser(new RandomAccessReadBufferedFile(pdf.toFile()), IOUtils.createTempFileOnlyStreamCache()).parse();
        } catch (InvalidPasswordException e) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.ENCRYPTED_PDF, "Password-protected PDF",
                    "The PDF needs a password to open; upload an unprotected copy");
        }
    }

    private static ApiProblem corrupt(IOException e) {
        return Unreadable.problem(ProblemType.CORRUPT_PDF, "Corrupt PDF", "a PDF", e);
    }

    /** Collects the stripper's output page by page, counting characters as they are found. */
    private final class PageCollectingStripper extends PDFTextStripper {
        final StringWriter buffer = new StringWriter();
        final List<String> pages = new ArrayList<>();
        private final Run run;
        private long pageChars;

        PageCollectingStripper(Run run) {
            this.run = run;
        }

        @Override
        protected void startPage(PDPage page) throws IOException {
            run.checkNotFailed();
            pageChars = 0;
            super.startPage(page);
        }

        /** Sees every glyph before the stripper keeps it: a page that would hold too much text is stopped here. */
        @Override
        protected void processTextPosition(TextPosition text) {
            pageChars += text.getUnicode() == null ? 1 : text.getUnicode().length();
            checkPageChars(pageChars, getCurrentPageNo());
            super.processTextPosition(text);
        }

        @Override
        protected void endPage(PDPage page) throws IOException {
            super.endPage(page);
            String text = buffer.toString();
            buffer.getBuffer().setLength(0);
            run.addChars(text.length());
            pages.add(text);
            if (run.wantsOcr(page, text)) {
                run.markForOcr(getCurrentPageNo() - 1);
            } else {
                run.pageDone();
            }
        }
    }
}
