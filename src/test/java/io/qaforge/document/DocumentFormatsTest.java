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

import io.qaforge.document.upload.MediaKind;

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

    @Test
    void anXhtmlDoctypeWithItsOwnDeclarationsIsRefusedAsInDocx() throws Exception {
        byte[] xhtml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE html [ <!ENTITY team "Touch rugby"> <!ELEMENT p ANY> ]>
                <html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><p>First paragraph.</p></body></html>
                """.getBytes(StandardCharsets.UTF_8);
        JsonNode refused = assertProblem(documents.upload(xhtml, "own-dtd.xhtml"), 422, "dtd-not-accepted");
        assertThat(refused.get("detail").asString()).contains("DTD");
        assertProblem(documents.upload("<!DOCTYPE html [ <!ENTITY x \"y\"> ]><html><body><p>Hi</p></body></html>"
                .getBytes(StandardCharsets.UTF_8), "own-dtd.html"), 422, "dtd-not-accepted");

        var files = TestDocuments.unzip(TestDocuments.docx(1));
        files.put("word/document.xml", ("<?xml version=\"1.0\"?><!DOCTYPE w:document [ <!ENTITY a \"b\"> ]>"
                + new String(files.get("word/document.xml"), StandardCharsets.UTF_8).replaceFirst("^<\\?xml[^>]*\\?>", ""))
                .getBytes(StandardCharsets.UTF_8));
        JsonNode docx = assertProblem(documents.upload(TestDocuments.zip(files), "dtd.docx"), 422, "dtd-not-accepted");
        assertThat(docx.get("detail").asString()).isEqualTo(refused.get("detail").asString().replace("XHTML", "DOCX"));

        // A plain public DOCTYPE is no DTD of the file's own: the text starts with the first paragraph.
        byte[] publicDoctype = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.1//EN" "http://www.w3.org/TR/xhtml11/DTD/xhtml11.dtd">
                <html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><p>First paragraph.</p></body></html>
                """.getBytes(StandardCharsets.UTF_8);
        var read = documents.upload(publicDoctype, "public.xhtml");
        assertThat(read.getStatusCode().value()).as("%s", read.getBody()).isEqualTo(201);
        assertThat(documents.text(read.getBody().get("id").asString())).isEqualTo("First paragraph.");
        assertThat(jdbc.queryForObject("select count(*) from document", Integer.class)).isEqualTo(1);
    }

    @Test
    void aNulInADocumentIsNeverStored() throws Exception {
        assertProblem(documents.upload("Touch\u0000rugby".getBytes(StandardCharsets.UTF_8), "nul.txt"), 415, "unsupported-media-type");
        var html = documents.upload("<html><body><p>Touch\u0000 rugby &#0;has six players.</p></body></html>"
                .getBytes(StandardCharsets.UTF_8), "nul.html");
        assertThat(html.getStatusCode().value()).as("%s", html.getBody()).isEqualTo(201);
        assertThat(documents.text(html.getBody().get("id").asString())).doesNotContain("\u0000").contains("Touch", "six players.");
        var docx = TestDocuments.unzip(TestDocuments.docx(1));
        docx.put("word/document.xml", new String(docx.get("word/document.xml"), StandardCharsets.UTF_8)
                .replace("Each touchdown", "Each\u0000 touchdown").getBytes(StandardCharsets.UTF_8));
        var refused = documents.upload(TestDocuments.zip(docx), "nul.docx");
        assertThat(refused.getStatusCode().value()).as("XML holds no NUL: %s", refused.getBody()).isEqualTo(422);
        assertProblem(refused, 422, "corrupt-document");
        assertThat(jdbc.queryForObject("select count(*) from document", Integer.class)).isEqualTo(1);
    }

    @Test
    void brokenFilesAreDescribedInTheUsersWordsNotInJavas() throws Exception {
        byte[] epub = TestDocuments.epub();
        var noContainer = TestDocuments.unzip(epub);
        noContainer.remove("META-INF/container.xml");
        var noPackage = TestDocuments.unzip(epub);
        noPackage.remove("OEBPS/content.opf");
        var brokenPackage = TestDocuments.unzip(epub);
        brokenPackage.put("OEBPS/content.opf", "<package><manifest><item id=".getBytes(StandardCharsets.UTF_8));
        var missingChapter = TestDocuments.unzip(epub);
        missingChapter.remove("OEBPS/chapter1.xhtml");
        var brokenChapter = TestDocuments.unzip(epub);
        brokenChapter.put("OEBPS/chapter2.xhtml", "<html><body><p>Half a chap".getBytes(StandardCharsets.UTF_8));
        var brokenDocx = TestDocuments.unzip(TestDocuments.docx(1));
        brokenDocx.put("word/document.xml", "<w:document xmlns:w=\"x\"><w:body><w:p>".getBytes(StandardCharsets.UTF_8));
        for (var files : List.of(noContainer, noPackage, brokenPackage, missingChapter, brokenChapter, brokenDocx)) {
            var response = documents.upload(TestDocuments.zip(files), "broken.epub");
            if (!response.getStatusCode().is2xxSuccessful()) { // read as far as it goes, or refused in the user's words
                assertProblem(response, 422, response.getBody().get("type").asString().substring("/problems/".length()));
            }
        }
    }

    private int largeObjects() {
        return jdbc.queryForObject("select count(*) from pg_largeobject_metadata", Integer.class);
    }

    @Test
    void theTwoBillionPagePdfIsSmall() {
        assertThat(TestPdfs.claimsTwoBillionPages().length).isLessThan(700);
    }
}
