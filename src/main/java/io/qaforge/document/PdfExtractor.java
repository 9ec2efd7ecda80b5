package io.qaforge.document;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.pdfbox.Loader;
import org.apache.pdfbox.io.IOUtils;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException;
import org.apache.pdfbox.text.PDFTextStripper;
import org.springframework.http.HttpStatus;

import io.qaforge.system.ApiProblem;

/**
 * Raw text of each page, in reading order, with paragraph starts marked by {@link #PARAGRAPH}.
 * Large files stay out of the heap (temp-file stream cache); page ranges are extracted in parallel, one
 * {@link PDDocument} per thread because PDFBox documents are not thread-safe.
 */
class PdfExtractor {

    static final char PARAGRAPH = '\u2029';
    private static final int MIN_PAGES_PER_THREAD = 20;

    private final int threads;

    PdfExtractor(int threads) {
        this.threads = threads;
    }

    List<String> extractPages(Path pdf) {
        try (PDDocument document = open(pdf)) {
            int pageCount = document.getNumberOfPages();
            int parts = Math.max(1, Math.min(threads, pageCount / MIN_PAGES_PER_THREAD));
            if (parts == 1) {
                return extractRange(document, 1, pageCount);
            }
            try (ExecutorService pool = Executors.newFixedThreadPool(parts - 1)) {
                List<Future<List<String>>> later = new ArrayList<>();
                for (int part = 1; part < parts; part++) {
                    int first = firstPage(pageCount, parts, part);
                    int last = firstPage(pageCount, parts, part + 1) - 1;
                    later.add(pool.submit(() -> {
                        try (PDDocument copy = open(pdf)) {
                            return extractRange(copy, first, last);
                        }
                    }));
                }
                // The calling thread takes the first range with the document it already opened.
                List<String> pages = new ArrayList<>(pageCount);
                pages.addAll(extractRange(document, 1, firstPage(pageCount, parts, 1) - 1));
                for (Future<List<String>> range : later) {
                    pages.addAll(range.get());
                }
                return pages;
            }
        } catch (IOException e) {
            throw corrupt(e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : corrupt(new IOException(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while extracting text", e);
        }
    }

    private static int firstPage(int pageCount, int parts, int part) {
        return 1 + (int) ((long) pageCount * part / parts);
    }

    private static List<String> extractRange(PDDocument document, int firstPage, int lastPage) throws IOException {
        var stripper = new PageCollectingStripper();
        stripper.setSortByPosition(true);
        stripper.setStartPage(firstPage);
        stripper.setEndPage(lastPage);
        stripper.setParagraphStart(String.valueOf(PARAGRAPH));
        stripper.writeText(document, stripper.buffer);
        return stripper.pages;
    }

    private static PDDocument open(Path pdf) throws IOException {
        try {
            return Loader.loadPDF(new RandomAccessReadBufferedFile(pdf.toFile()), "", null, null,
                    IOUtils.createTempFileOnlyStreamCache());
        } catch (InvalidPasswordException e) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "encrypted-pdf", "Password-protected PDF",
                    "The PDF needs a password to open; upload an unprotected copy");
        }
    }

    private static ApiProblem corrupt(IOException e) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_ENTITY, "corrupt-pdf", "Corrupt PDF",
                "The file starts like a PDF but cannot be read: " + e.getMessage());
    }

    /** Collects the stripper's output page by page instead of as one string. */
    private static final class PageCollectingStripper extends PDFTextStripper {
        final StringWriter buffer = new StringWriter();
        final List<String> pages = new ArrayList<>();

        @Override
        protected void endPage(PDPage page) throws IOException {
            super.endPage(page);
            pages.add(buffer.toString());
            buffer.getBuffer().setLength(0);
        }
    }
}
