package io.qaforge.document.extraction;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

import io.qaforge.document.DocumentApiTest;
import io.qaforge.document.DocumentProperties;
import io.qaforge.document.OcrMode;
import io.qaforge.document.TestPdfs;
import io.qaforge.system.ApiProblem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PdfExtractorTest {

    static final DocumentProperties.Limits LIMITS = new DocumentProperties.Limits(10_000, 200_000, 50_000_000,
            DataSize.ofMegabytes(512), 10_000);
    static final DocumentProperties.Ocr OCR = new DocumentProperties.Ocr("eng", 300, 2, 50, "tesseract");

    static PdfExtractor extractor(int threads) {
        return new PdfExtractor(threads, LIMITS, OCR, new Tesseract("tesseract"));
    }

    static PdfExtractor.Request textLayerOnly() {
        return new PdfExtractor.Request(OcrMode.OFF, "eng", (done, total) -> { });
    }

    @Test
    void pagesExtractedInParallelComeBackInOrder(@TempDir Path dir) throws IOException {
        Path pdf = Files.write(dir.resolve("book.pdf"), TestPdfs.book(DocumentApiTest.rulebookPages(45)));

        List<String> pages = extractor(3).extract(pdf, textLayerOnly()).texts();

        assertThat(pages).hasSize(45);
        for (int i = 0; i < pages.size(); i++) {
            assertThat(pages.get(i)).contains("Rule " + (i + 1) + " ").contains("Page " + (i + 1) + " of 45");
        }
        assertThat(pages).isEqualTo(extractor(1).extract(pdf, textLayerOnly()).texts());
    }

    @Test
    void aScannedPageIsReadAsItsOwnImageAtItsOwnResolution(@TempDir Path dir) throws IOException {
        Path pdf = Files.write(dir.resolve("scan.pdf"), TestPdfs.scanned(TestPdfs.book(DocumentApiTest.rulebookPages(1)), Set.of(), 200));
        List<String> seen = new ArrayList<>();
        var recording = new Tesseract("tesseract") {
            @Override
            String read(PageImage page, String languages) {
                var pgm = new ByteArrayOutputStream();
                try {
                    page.file().writeTo(pgm);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                String size = pgm.toString(StandardCharsets.US_ASCII).lines().skip(1).findFirst().orElseThrow(); // "P5", then "width height"
                seen.add(size.replace(' ', 'x') + " at " + page.dpi() + " dpi");
                return "Rule 1 read";
            }
        };

        var pages = new PdfExtractor(1, LIMITS, OCR, recording).extract(pdf, new PdfExtractor.Request(OcrMode.AUTO, "eng", (done, total) -> { }));

        // An A4 page scanned at 200 dpi (1654 × 2339 pixels), not re-rendered at the configured 300.
        assertThat(seen).singleElement().asString().matches("165[34]x233[89] at 200 dpi");
        assertThat(pages.texts()).containsExactly("Rule 1 read");
    }

    @Test
    void aPageTooLargeToRenderForOcrIsSaidInTheUsersWords(@TempDir Path dir) throws IOException {
        Path pdf = dir.resolve("poster.pdf");
        try (var document = new org.apache.pdfbox.pdmodel.PDDocument()) {
            // 200 × 200 inches, the largest page PDF allows: 60,000 pixels a side at 300 dpi
            document.addPage(new org.apache.pdfbox.pdmodel.PDPage(new org.apache.pdfbox.pdmodel.common.PDRectangle(14_400, 14_400)));
            document.save(pdf.toFile());
        }
        var anyLanguage = new Tesseract("tesseract") {
            @Override
            public String requireLanguages(String requested) {
                return requested;
            }
        };
        var forced = new PdfExtractor.Request(OcrMode.FORCE, "eng", (done, total) -> { });

        assertThatThrownBy(() -> new PdfExtractor(1, LIMITS, OCR, anyLanguage).extract(pdf, forced))
                .isInstanceOfSatisfying(ApiProblem.class, problem -> assertThat(problem.getMessage())
                        .isEqualTo("The file looks like a PDF but cannot be read: a page is too large to render for OCR "
                                + "(over two billion pixels at the OCR resolution; a page of 200 × 200 inches is)"));
    }
}
