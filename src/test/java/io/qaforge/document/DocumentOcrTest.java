package io.qaforge.document;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

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

/** Scanned pages read by Tesseract (which bin/test installs), page by page, marked in the chunks' provenance. */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.ingestion.respond-within=60s",
        "qaforge.documents.limits.max-expanded-size=8MB",
        "qaforge.documents.limits.max-document-chars=3000000",
        "qaforge.documents.limits.max-pages=500"})
class DocumentOcrTest {

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
    void aScannedPdfIsReadByOcrAndAgreesWithItsTextLayer() throws Exception {
        byte[] book = TestPdfs.book(DocumentApiTest.rulebookPages(2));
        String layerText = documents.text(documents.uploadAndSettle(book, "text.pdf", Map.of()).get("id").asString());

        JsonNode scanned = documents.uploadAndSettle(TestPdfs.scanned(book, Set.of()), "scan.pdf", Map.of());

        assertThat(scanned.get("status").asString()).isEqualTo("READY");
        assertThat(scanned.get("ocrPages").asInt()).isEqualTo(2);
        String id = scanned.get("id").asString();
        String ocrText = documents.text(id);
        assertThat(ocrText).contains("Substitutions may be made at any time", "while the defending team retreats");
        assertThat(wordF1(ocrText, layerText)).as("word agreement with the text layer").isGreaterThan(0.95);
        assertThat(documents.chunks(id)).allSatisfy(chunk -> assertThat(chunk.get("ocr").asBoolean()).isTrue());
    }

    @Test
    void scansAreReadAlikeHoweverTheirImagesAreStored() throws Exception {
        byte[] book = TestPdfs.book(DocumentApiTest.rulebookPages(1));
        String layerText = documents.text(documents.uploadAndSettle(book, "text.pdf", Map.of()).get("id").asString());

        for (TestPdfs.ScanStorage storage : TestPdfs.ScanStorage.values()) {
            JsonNode scanned = documents.uploadAndSettle(TestPdfs.scanned(book, Set.of(), 200, storage), storage + ".pdf", Map.of());

            assertThat(scanned.get("ocrPages").asInt()).as(storage.name()).isEqualTo(1);
            assertThat(wordF1(documents.text(scanned.get("id").asString()), layerText)).as(storage.name()).isGreaterThan(0.95);
        }
    }

    @Test
    void mixedDocumentsAreReadPageByPage() throws Exception {
        byte[] book = TestPdfs.book(DocumentApiTest.rulebookPages(2));
        byte[] mixed = TestPdfs.scanned(book, Set.of(0));

        JsonNode document = documents.uploadAndSettle(mixed, "mixed.pdf", Map.of("ocr", "auto"));

        assertThat(document.get("ocrPages").asInt()).isEqualTo(1);
        assertThat(document.get("ocr").asString()).isEqualTo("auto");
        List<JsonNode> chunks = documents.chunks(document.get("id").asString());
        assertThat(chunks).anySatisfy(chunk -> assertThat(chunk.get("pageTo").asInt()).isEqualTo(2));
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("ocr").asBoolean()).as("chunk over pages %s-%s", chunk.get("pageFrom"), chunk.get("pageTo"))
                    .isEqualTo(chunk.get("pageTo").asInt() == 2);
        }
        assertThat(documents.text(document.get("id").asString())).contains("Section 1 adds", "Section 2 adds");
    }

    @Test
    void forceReadsEveryPageAndOffRefusesAScan() throws Exception {
        byte[] book = TestPdfs.book(DocumentApiTest.rulebookPages(1));
        JsonNode forced = documents.uploadAndSettle(book, "forced.pdf", Map.of("ocr", "force", "ocrLanguages", "eng"));
        assertThat(forced.get("ocrPages").asInt()).isEqualTo(1);
        assertThat(forced.get("ocr").asString()).isEqualTo("force");

        byte[] scan = TestPdfs.scanned(TestPdfs.book(DocumentApiTest.rulebookPages(3)), Set.of());
        JsonNode off = assertProblem(documents.upload(scan, "scan.pdf", Map.of("ocr", "off")), 422, "no-text-layer");
        assertThat(off.get("detail").asString()).contains("ocr=auto");
        assertProblem(documents.upload(scan, "scan.pdf", Map.of("ocr", "sometimes")), 400, "invalid-ocr-mode");
        JsonNode language = assertProblem(documents.upload(scan, "scan.pdf", Map.of("ocrLanguages", "eng+klingon")), 400,
                "unknown-ocr-language");
        assertThat(language.get("detail").asString()).contains("klingon").contains("installed: eng");
        assertThat(jdbc.queryForObject("select count(*) from document", Integer.class)).isEqualTo(1);
    }

    /** Bag-of-words F1, as bench/word_agreement.py computes it. */
    static double wordF1(String ours, String reference) {
        Map<String, Integer> a = words(ours);
        Map<String, Integer> b = words(reference);
        long common = a.entrySet().stream().mapToLong(e -> Math.min(e.getValue(), b.getOrDefault(e.getKey(), 0))).sum();
        double precision = (double) common / a.values().stream().mapToInt(Integer::intValue).sum();
        double recall = (double) common / b.values().stream().mapToInt(Integer::intValue).sum();
        return common == 0 ? 0 : 2 * precision * recall / (precision + recall);
    }

    private static Map<String, Integer> words(String text) {
        Map<String, Integer> counts = new HashMap<>();
        Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")).filter(w -> !w.isEmpty())
                .forEach(w -> counts.merge(w, 1, Integer::sum));
        return counts;
    }
}
