package io.qaforge.document;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.ProblemDetails;

import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.servlet.multipart.max-file-size=1MB", "spring.servlet.multipart.max-request-size=1MB"})
public class DocumentApiTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;

    @BeforeEach
    void emptyDatabase() {
        jdbc.execute("TRUNCATE document CASCADE");
    }

    @Test
    void pdfIsExtractedCleanedAndChunkedWithPageRanges() throws IOException {
        byte[] pdf = TestPdfs.book(rulebookPages(6));

        ResponseEntity<JsonNode> created = upload(pdf, "rules.pdf");

        assertThat(created.getStatusCode().value()).isEqualTo(201);
        JsonNode document = created.getBody();
        assertThat(document.get("name").asString()).isEqualTo("rules.pdf");
        assertThat(document.get("mediaType").asString()).isEqualTo("application/pdf");
        assertThat(document.get("pages").asInt()).isEqualTo(6);
        assertThat(document.get("status").asString()).isEqualTo("READY");
        assertThat(document.get("sha256").asString()).hasSize(64);
        String id = document.get("id").asString();

        String text = http.getForObject("/api/documents/" + id + "/text", String.class);
        assertThat(text)
                .contains("The field of play is defined by the sidelines") // NFKC: the "ﬁ" ligatures became "fi"
                .contains("the defending team retreats") // "defend-" + "ing" joined across the line break
                .contains("Rule 1 The field") // a heading repeated in the body is kept
                .doesNotContain("Touch Rugby Rulebook") // running header dropped
                .doesNotContain("Page 3 of 6") // footer dropped
                .doesNotContain("ﬁ");
        assertThat(text.split("\n\n")).as("paragraphs").hasSizeGreaterThan(6);

        JsonNode chunks = http.getForObject("/api/documents/" + id + "/chunks?size=100", JsonNode.class);
        List<JsonNode> content = new ArrayList<>();
        chunks.get("content").forEach(content::add);
        assertThat(content).hasSize(document.get("chunkCount").asInt()).hasSizeGreaterThan(1);
        int tokens = 0;
        for (int i = 0; i < content.size(); i++) {
            JsonNode chunk = content.get(i);
            assertThat(chunk.get("ordinal").asInt()).isEqualTo(i);
            assertThat(chunk.get("tokens").asInt()).isBetween(1, 700);
            assertThat(chunk.get("pageFrom").asInt()).isBetween(1, 6);
            assertThat(chunk.get("pageTo").asInt()).isBetween(chunk.get("pageFrom").asInt(), 6);
            assertThat(text.substring(chunk.get("charFrom").asInt(), chunk.get("charTo").asInt()))
                    .isEqualTo(chunk.get("text").asString());
            tokens += chunk.get("tokens").asInt();
        }
        assertThat(content).extracting(chunk -> chunk.get("id").asLong())
                .as("ids ascend in document order (exports list pairs by chunk id)").isSorted().doesNotHaveDuplicates()
                .allMatch(chunkId -> chunkId > 0);
        assertThat(content.getFirst().get("pageFrom").asInt()).isEqualTo(1);
        assertThat(content.getLast().get("pageTo").asInt()).isEqualTo(6);
        assertThat(document.get("tokens").asInt()).isEqualTo(tokens);
        assertThat(chunks.at("/page/totalElements").asInt()).isEqualTo(content.size());
    }

    @Test
    void theSameBytesUploadedTwiceReturnTheExistingDocument() throws IOException {
        byte[] pdf = TestPdfs.book(rulebookPages(2));
        ResponseEntity<JsonNode> first = upload(pdf, "a.pdf");
        ResponseEntity<JsonNode> second = upload(pdf, "b.pdf");

        assertThat(first.getStatusCode().value()).isEqualTo(201);
        assertThat(second.getStatusCode().value()).isEqualTo(200);
        assertThat(second.getBody().get("id")).isEqualTo(first.getBody().get("id"));
        assertThat(jdbc.queryForObject("select count(*) from document", Integer.class)).isEqualTo(1);
    }

    @Test
    void plainTextAndMarkdownAreAccepted() {
        String markdown = "# Scoring\n\nA touchdown is scored by placing the ball on or over the scoreline.\n\n- one point per touchdown\n";
        ResponseEntity<JsonNode> md = upload(markdown.getBytes(StandardCharsets.UTF_8), "notes.md");
        ResponseEntity<JsonNode> txt = upload("The ﬁeld is 70 metres long.".getBytes(StandardCharsets.UTF_8), "../../etc/field.txt");

        assertThat(md.getStatusCode().value()).isEqualTo(201);
        assertThat(md.getBody().get("mediaType").asString()).isEqualTo("text/markdown");
        assertThat(md.getBody().get("chunkCount").asInt()).isEqualTo(1);
        assertThat(txt.getBody().get("mediaType").asString()).isEqualTo("text/plain");
        assertThat(txt.getBody().get("name").asString()).as("path segments stripped").isEqualTo("field.txt");
        assertThat(http.getForObject("/api/documents/" + txt.getBody().get("id").asString() + "/text", String.class))
                .isEqualTo("The field is 70 metres long.");
    }

    @Test
    void documentsAreListedPagedAndCanBeDeleted() {
        String id = upload("First.".getBytes(StandardCharsets.UTF_8), "1.txt").getBody().get("id").asString();
        upload("Second.".getBytes(StandardCharsets.UTF_8), "2.txt");

        JsonNode page = http.getForObject("/api/documents?size=1", JsonNode.class);
        assertThat(page.get("content")).hasSize(1);
        assertThat(page.at("/page/totalElements").asInt()).isEqualTo(2);
        assertThat(page.at("/content/0/name").asString()).as("newest first").isEqualTo("2.txt");

        assertThat(http.exchange("/api/documents/" + id, HttpMethod.DELETE, null, Void.class).getStatusCode().value()).isEqualTo(204);
        assertProblem(http.getForEntity("/api/documents/" + id, JsonNode.class), 404, "not-found");
        assertThat(jdbc.queryForObject("select count(*) from chunk", Integer.class)).isEqualTo(1);
    }

    @Test
    void badUploadsAreRefusedWithSpecificProblemsAndLeaveNoTrace() throws IOException {
        assertProblem(upload(new byte[0], "empty.pdf"), 400, "empty-file");
        assertProblem(upload("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>".getBytes(StandardCharsets.UTF_8), "rules.pdf"),
                415, "unsupported-media-type");
        assertProblem(upload(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0, 0, 0, 13}, "picture.txt"), 415, "unsupported-media-type");
        assertProblem(upload("%PDF-1.7\n this is not really a pdf \u0000\u0001".getBytes(StandardCharsets.ISO_8859_1), "broken.pdf"),
                422, "corrupt-pdf");
        assertProblem(upload(TestPdfs.encrypted(), "locked.pdf"), 422, "encrypted-pdf");
        JsonNode scanned = assertProblem(upload(TestPdfs.imageOnly(), "scan.pdf"), 422, "no-text-layer");
        assertThat(scanned.get("detail").asString()).contains("scanned? no text layer");
        assertProblem(upload(new byte[1_200_000], "huge.txt"), 413, "upload-too-large");

        var noFile = new LinkedMultiValueMap<String, Object>();
        noFile.add("title", "forgot the file");
        assertProblem(http.postForEntity("/api/documents", new HttpEntity<>(noFile, multipartHeaders()), JsonNode.class), 400, "missing-file");

        for (String table : List.of("document", "document_text", "chunk")) {
            assertThat(jdbc.queryForObject("select count(*) from " + table, Integer.class)).as(table).isZero();
        }
    }

    @Test
    void unknownAndMalformedIdsAreProblems() {
        assertProblem(http.getForEntity("/api/documents/00000000-0000-0000-0000-000000000000", JsonNode.class), 404, "not-found");
        assertProblem(http.getForEntity("/api/documents/00000000-0000-0000-0000-000000000000/chunks", JsonNode.class), 404, "not-found");
        assertProblem(http.getForEntity("/api/documents/not-a-uuid", JsonNode.class), 400, "invalid-parameter");
    }

    public static List<TestPdfs.Page> rulebookPages(int count) {
        String[] topics = {"The field", "Scoring", "Touches", "Substitutions", "Offside", "Penalties", "Kick-off", "Referees"};
        String[] endings = {"replacement enters the field.", "next passage of play starts.", "referee calls time on.",
                "players change ends.", "ball is tapped.", "captains agree.", "defence is set.", "whistle blows."};
        List<TestPdfs.Page> pages = new ArrayList<>();
        for (int p = 1; p <= count; p++) {
            String topic = topics[(p - 1) % topics.length];
            pages.add(new TestPdfs.Page(List.of(
                    "Rule " + p + " " + topic,
                    "The ﬁeld of play is deﬁned by the sidelines and the dead ball lines, and",
                    "every player must stay inside it while the defend-",
                    "ing team retreats five metres after each touch.",
                    "",
                    "Rule 1 The field",
                    "Section " + p + " adds that a touchdown scores one point and that the team",
                    "with the most points when time expires wins the match. Referees signal",
                    "each touch with a raised arm, and a player who is touched six times",
                    "hands the ball over to the other team at the mark.",
                    "",
                    "Substitutions may be made at any time, provided the player leaving the",
                    "field has crossed the sideline inside the substitution box before the",
                    endings[(p - 1) % endings.length])));
        }
        return pages;
    }

    private ResponseEntity<JsonNode> upload(byte[] bytes, String fileName) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(bytes) {
            @Override
            public String getFilename() {
                return fileName;
            }
        });
        return http.postForEntity("/api/documents", new HttpEntity<>(body, multipartHeaders()), JsonNode.class);
    }

    private static HttpHeaders multipartHeaders() {
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        return headers;
    }

    static JsonNode assertProblem(ResponseEntity<JsonNode> response, int status, String slug) {
        assertThat(response.getStatusCode().value()).as("status of %s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody().get("type").asString()).isEqualTo("/problems/" + slug);
        assertThat(response.getBody().get("title").asString()).isNotBlank();
        assertThat(response.getBody().get("detail").asString()).isNotBlank();
        ProblemDetails.assertInUsersWords(response.getBody().get("detail").asString());
        return response.getBody();
    }
}
