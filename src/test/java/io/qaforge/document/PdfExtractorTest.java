package io.qaforge.document;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class PdfExtractorTest {

    @Test
    void pagesExtractedInParallelComeBackInOrder(@TempDir Path dir) throws IOException {
        Path pdf = Files.write(dir.resolve("book.pdf"), TestPdfs.book(DocumentApiTest.rulebookPages(45)));

        List<String> pages = new PdfExtractor(3).extractPages(pdf);

        assertThat(pages).hasSize(45);
        for (int i = 0; i < pages.size(); i++) {
            assertThat(pages.get(i)).contains("Rule " + (i + 1) + " ").contains("Page " + (i + 1) + " of 45");
        }
        assertThat(pages).isEqualTo(new PdfExtractor(1).extractPages(pdf));
    }
}
