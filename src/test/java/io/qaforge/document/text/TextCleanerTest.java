package io.qaforge.document.text;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.qaforge.document.extraction.PdfExtractor;

import static org.assertj.core.api.Assertions.assertThat;

class TextCleanerTest {

    private static final String P = String.valueOf(PdfExtractor.PARAGRAPH);

    @Test
    void runningHeadersFootersAndPageNumbersGoWhileRepeatedBodyHeadingsStay() {
        List<String> pages = new ArrayList<>();
        for (int page = 1; page <= 5; page++) {
            pages.add(String.join("\n",
                    P + "An Introduction to R",
                    P + "Chapter " + page + ": Topic number " + "abcde".charAt(page - 1),
                    P + "Examples",
                    "Body text number " + "abcde".charAt(page - 1) + " of this page.",
                    P + (page % 2 == 0 ? String.valueOf(page) : "- " + page + " -")));
        }

        CleanText clean = TextCleaner.cleanPdfPages(pages);

        assertThat(clean.text())
                .doesNotContain("An Introduction to R")
                .doesNotContain("- 3 -")
                .contains("Chapter 3: Topic number c", "Body text number e of this page.");
        assertThat(clean.text().split("Examples", -1)).as("a heading repeated in the body stays").hasSize(6);
        assertThat(clean.pages()).isEqualTo(5);
    }

    @Test
    void ligaturesHyphenationAndWhitespaceAreNormalised() {
        CleanText clean = TextCleaner.cleanPdfPages(List.of(
                P + "The ﬁrst  deﬁnition\tof a well-\nknown infor-\nmation source\u00AD.\n" + P + "Second   paragraph."));

        assertThat(clean.text()).isEqualTo("The first definition of a wellknown information source.\n\nSecond paragraph.");
    }

    @Test
    void aSentenceCutByAPageBreakFlowsOnAndPagesAreTracked() {
        CleanText clean = TextCleaner.cleanPdfPages(List.of(P + "The ball is passed back-", P + "wards to a team mate.", "", P + "New page."));

        assertThat(clean.text()).isEqualTo("The ball is passed backwards to a team mate.\n\nNew page.");
        assertThat(clean.pageAt(0)).isEqualTo(1);
        assertThat(clean.pageAt(clean.text().indexOf("wards"))).isEqualTo(2);
        assertThat(clean.pageAt(clean.text().indexOf("New"))).isEqualTo(4);
    }

    @Test
    void plainTextKeepsItsLinesAndIndentationButSqueezesBlankRuns() {
        CleanText clean = TextCleaner.cleanPlainText("# Title\r\n\r\n\r\n\r\n- item  one\n    code   block\n\fSecond page");

        assertThat(clean.text()).isEqualTo("# Title\n\n- item one\n    code block\n\nSecond page");
        assertThat(clean.pages()).isEqualTo(2);
    }

    @Test
    void aWordHyphenatedAtAParagraphGapIsJoinedAsOcrOftenBreaksItThere() {
        CleanText clean = TextCleaner.cleanPdfPages(List.of("while the defend-\n\ning team retreats.\n\nNew paragraph."));

        assertThat(clean.text()).isEqualTo("while the defending team retreats.\n\nNew paragraph.");
    }
}
