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
    private static final int MIN_PAGES_PER_THREAD = 40;

    private final int threads;

    PdfExtractor(int threads) {
        this.threads = threads;
    }

    List<String> extractPages(Path pdf) {
        int pageCount;
        try (PDDocument document = open(pdf)) {
            pageCount = document.getNumberOfPages();
        } catch (IOException e) {
            throw corrupt(e);
        }
        int parts = Math.max(1, Math.min(threads, pageCount / MIN_PAGES_PER_THREAD));
        if (parts == 1) {
            return extractRange(pdf, 1, pageCount);
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(parts)) {
            List<Future<List<String>>> ranges = new ArrayList<>();
            for (int part = 0; part < parts; part++) {
                int first = 1 + (int) ((long) pageCount * part / parts);
                int last = (int) ((long) pageCount * (part + 1) / parts);
                ranges.add(pool.submit(() -> extractRange(pdf, first, last)));
            }
            List<String> pages = new ArrayList<>(pageCount);
            for (Future<List<String>> range : ranges) {
                pages.addAll(range.get());
            }
            return pages;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while extracting text", e);
        }
    }

    private static List<String> extractRange(Path pdf, int firstPage, int lastPage) {
        try (PDDocument document = open(pdf)) {
            var stripper = new PageCollectingStripper();
            stripper.setSortByPosition(true);
            stripper.setStartPage(firstPage);
            stripper.setEndPage(lastPage);
            stripper.setParagraphStart(String.valueOf(PARAGRAPH));
            stripper.writeText(document, stripper.buffer);
            return stripper.pages;
        } catch (IOException e) {
            throw corrupt(e);
        }
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
