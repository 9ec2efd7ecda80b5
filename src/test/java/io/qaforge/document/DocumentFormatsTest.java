package io.qaforge.document;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static io.qaforge.document.DocumentApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/** Word, OpenDocument, HTML, XHTML and EPUB judged by content; bad archives and oversized PDFs refused with nothing stored. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.ingestion.respond-within=60s",
        "qaforge.documents.limits.max-expanded-size=8MB",
        "qaforge.documents.limits.max-document-chars=3000000",
        "qaforge.documents.limits.max-pages=500"})
class DocumentFormatsTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    DocumentClient documents;

    @BeforeEach
    void emptyDatabase() {
        jdbc.execute("TRUNCATE document CASCADE");
        documents = new DocumentClient(http);
    }

    @Test
    void docxHeadingsListItemsAndTableRowsBecomeParagraphsAndLines() throws Exception {
        var created = documents.upload(TestDocuments.docx(3), "rules.bin");

        assertThat(created.getStatusCode().value()).isEqualTo(201);
        assertThat(created.getBody().get("mediaType").asString()).isEqualTo(MediaKind.DOCX.mediaType);
        String text = documents.text(created.getBody().get("id").asString());
        assertThat(text.split("\n\n")).contains("Scoring in touch rugby",
                "A touchdown is scored by placing the ball on the scoreline.", "Each touchdown is worth one point.",
                "First item: the ball is tapped.", "Second item: play restarts.", "The table ends the rules.",
                "| Team | Points | Touches |\n| Team 1 | 3 | 7 |\n| Team 2 | 6 | 14 |\n| Team 3 | 9 | 21 |");
    }

    @Test
    void odtIsReadWithItsListAndTable() throws Exception {
        var created = documents.upload(TestDocuments.odt(false), "rules.docx");

        assertThat(created.getStatusCode().value()).isEqualTo(201);
        assertThat(created.getBody().get("mediaType").asString()).isEqualTo(MediaKind.ODT.mediaType);
        assertThat(documents.text(created.getBody().get("id").asString()).split("\n\n")).contains("Offside rules",
                "A player in front of the ball is offside.", "Retreat five metres.", "Wait for the tap.",
                "| Offence | Penalty |\n| Offside | Tap at the mark |");
    }

    @Test
    void htmlKeepsContentAndDropsScriptsStylesAndNavigation() {
        var created = documents.upload(TestDocuments.html(2), "page.txt");

        assertThat(created.getStatusCode().value()).isEqualTo(201);
        assertThat(created.getBody().get("mediaType").asString()).isEqualTo("text/html");
        String text = documents.text(created.getBody().get("id").asString());
        assertThat(text.split("\n\n")).contains("Touch rules", "The field is seventy metres long.", "Six players a side",
                "Unlimited substitutions", "End of the rules.");
        assertThat(text).contains("| Rule 1 | A player who is touched 1 times hands over the ball at the mark, unless the referee")
                .doesNotContain("script text").doesNotContain("color").doesNotContain("Menu link").doesNotContain("Page title");
    }

    @Test
    void xhtmlAndEpubAreRead() throws Exception {
        var xhtml = documents.upload(TestDocuments.xhtml("T", "<h2>Heading</h2><p>An XHTML paragraph.</p>"), "a.xml");
        assertThat(xhtml.getStatusCode().value()).isEqualTo(201);
        assertThat(xhtml.getBody().get("mediaType").asString()).isEqualTo("application/xhtml+xml");
        assertThat(documents.text(xhtml.getBody().get("id").asString())).isEqualTo("Heading\n\nAn XHTML paragraph.");

        var epub = documents.upload(TestDocuments.epub(), "book.zip");
        assertThat(epub.getStatusCode().value()).isEqualTo(201);
        assertThat(epub.getBody().get("mediaType").asString()).isEqualTo("application/epub+zip");
        String text = documents.text(epub.getBody().get("id").asString());
        assertThat(text).containsSubsequence("Chapter one", "The kick-off starts each half.", "Chapter two",
                "Substitutes enter at the box.").doesNotContain("Table of contents entry");
    }

    @Test
    void theChunkerNeverSplitsATableRow() {
        JsonNode document = documents.upload(TestDocuments.html(120), "big-table.html").getBody();
        String id = document.get("id").asString();
        List<String> rows = Arrays.stream(documents.text(id).split("\n")).filter(line -> line.startsWith("|")).toList();
        assertThat(rows).hasSize(121).contains("| Rule | What it says |");

        List<JsonNode> chunks = documents.chunks(id);
        assertThat(chunks).hasSizeGreaterThan(3);
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("tokens").asInt()).isLessThanOrEqualTo(700);
            for (String line : chunk.get("text").asString().split("\n")) {
                if (line.startsWith("|") || line.endsWith("|")) {
                    assertThat(rows).as("a whole row").contains(line);
                }
            }
        }
        long rowsInChunks = chunks.stream().flatMap(c -> Arrays.stream(c.get("text").asString().split("\n")))
                .filter(rows::contains).count();
        assertThat(rowsInChunks).as("every row in exactly one chunk").isEqualTo(121);
    }

    @Test
    void badArchivesAndOversizedPdfsAreRefusedWithTheirOwnProblemsAndLeaveNoTrace() throws Exception {
        int originalsBefore = largeObjects();
        byte[] docx = TestDocuments.docx(2);
        byte[] truncated = Arrays.copyOf(docx, docx.length / 2);
        assertProblem(documents.upload(truncated, "cut.docx"), 422, "corrupt-archive");
        assertProblem(documents.upload(TestDocuments.zipBomb(64L << 20), "bomb.docx"), 422, "archive-too-large");
        assertProblem(documents.upload(TestDocuments.encryptedDocx(), "locked.docx"), 422, "encrypted-document");
        assertProblem(documents.upload(TestDocuments.odt(true), "locked.odt"), 422, "encrypted-document");
        assertProblem(documents.upload(TestDocuments.legacyOle2(), "old.doc"), 415, "unsupported-media-type");
        assertProblem(documents.upload(TestDocuments.zip(Map.of("photo.jpg", new byte[10])), "photos.zip"), 415, "unsupported-media-type");
        assertProblem(documents.upload(TestPdfs.claimsTwoBillionPages(), "claims.pdf"), 422, "too-many-pages");
        assertProblem(documents.upload(TestPdfs.textHeavy(1, 200L << 20), "bomb.pdf"), 422, "page-text-too-large");
        assertProblem(documents.upload(TestPdfs.textHeavy(20, 190_000), "heavy.pdf"), 422, "document-text-too-large");
        assertProblem(documents.upload("word ".repeat(700_000).getBytes(StandardCharsets.UTF_8), "long.txt"), 422,
                "document-text-too-large");
        assertProblem(documents.upload(TestDocuments.xhtml("T", "<p>" + "x".repeat(3_100_000) + "</p>"), "long.xhtml"), 422,
                "document-text-too-large");

        for (String table : List.of("document", "document_text", "chunk")) {
            assertThat(jdbc.queryForObject("select count(*) from " + table, Integer.class)).as(table).isZero();
        }
        assertThat(largeObjects()).as("originals kept").isEqualTo(originalsBefore);
    }

    private int largeObjects() {
        return jdbc.queryForObject("select count(*) from pg_largeobject_metadata", Integer.class);
    }

    @Test
    void theTwoBillionPagePdfIsSmall() {
        assertThat(TestPdfs.claimsTwoBillionPages().length).isLessThan(700);
    }
}
