package io.qaforge.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public class ExportTest {

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    JsonMapper json;
    @TempDir
    Path tmp;

    PairFixture fixture;
    List<Long> chunks;

    @BeforeEach
    void setUp() {
        fixture = new PairFixture(http, jdbc);
        chunks = fixture.document("export-manual.txt");
        assertThat(chunks).hasSizeGreaterThan(2);
    }

    @Test
    void jsonlHasEveryAcceptedPairOfTheSplitOnceInChatRowsOfOneChunk() throws IOException {
        UUID job = fixture.job(chunks, new double[] {0.01, 0.6, 1.2}, new String[] {"standard", "reversed"}, 4);

        ResponseEntity<byte[]> response = http.getForEntity(
                "/api/jobs/{id}/export?format=jsonl&split=train&pairsPerRow=3&system=You are an R expert.", byte[].class, job);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION))
                .isEqualTo("attachment; filename=\"qaforge-job-" + job.toString().substring(0, 8) + "-train.jsonl\"");
        List<List<PairFixture.Message>> rows = jsonl(response.getBody());
        assertRowsMatch(rows, fixture.pairs(job), "train", 3, "You are an R expert.");
        assertThat(new String(response.getBody(), StandardCharsets.UTF_8).split("\n", -1))
                .as("one object a line, nothing around it, and a final newline")
                .satisfies(lines -> assertThat(lines[lines.length - 1]).isEmpty())
                .satisfies(lines -> assertThat(java.util.Arrays.copyOf(lines, lines.length - 1))
                        .allSatisfy(line -> assertThat(line).startsWith("{").endsWith("}")));
    }

    @Test
    void splitsSelectTheirPairsAndAllHasBoth() throws IOException {
        UUID job = fixture.job(chunks, new double[] {0.5}, new String[] {"standard"}, 9);
        List<PairFixture.Pair> pairs = fixture.pairs(job);

        assertRowsMatch(jsonl(http.getForObject("/api/jobs/{id}/export?split=test", byte[].class, job)), pairs, "test", 5, null);
        assertRowsMatch(jsonl(http.getForObject("/api/jobs/{id}/export?split=all&pairsPerRow=1", byte[].class, job)), pairs, "all", 1, null);
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedAnotherOrder() {
        UUID job = fixture.job(chunks, new double[] {0.01, 1.2}, new String[] {"standard"}, 6);

        byte[] first = http.getForObject("/api/jobs/{id}/export?seed=7&pairsPerRow=2", byte[].class, job);
        byte[] again = http.getForObject("/api/jobs/{id}/export?seed=7&pairsPerRow=2", byte[].class, job);
        byte[] other = http.getForObject("/api/jobs/{id}/export?seed=8&pairsPerRow=2", byte[].class, job);

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first).hasSameSizeAs(first);
    }

    @Test
    void csvHoldsTheMessagesJsonOrFlatPairsWithProvenance() throws IOException {
        UUID job = fixture.job(chunks, new double[] {0.01, 1.2}, new String[] {"standard"}, 5);
        List<PairFixture.Pair> pairs = fixture.pairs(job);

        ResponseEntity<String> messages = http.getForEntity("/api/jobs/{id}/export?format=csv&split=train", String.class, job);
        assertThat(messages.getHeaders().getContentType().toString()).startsWith("text/csv");
        List<List<String>> records = csv(messages.getBody());
        assertThat(records.getFirst()).containsExactly("messages");
        List<List<PairFixture.Message>> rows = new ArrayList<>();
        for (List<String> record : records.subList(1, records.size())) {
            rows.add(messages(json.readTree(record.getFirst())));
        }
        assertRowsMatch(rows, pairs, "train", 5, null);

        List<List<String>> flat = csv(http.getForObject("/api/jobs/{id}/export?format=csv&split=test&flat=true", String.class, job));
        assertThat(flat.getFirst()).containsExactly("question", "answer", "temperature", "variant", "chunk", "pages");
        Map<String, PairFixture.Pair> byQuestion = byQuestion(pairs);
        List<String> questions = new ArrayList<>();
        for (List<String> record : flat.subList(1, flat.size())) {
            PairFixture.Pair pair = byQuestion.get(record.get(0));
            assertThat(pair).isNotNull();
            assertThat(record.get(1)).isEqualTo(pair.answer());
            assertThat(Double.parseDouble(record.get(2))).isEqualTo(pair.temperature());
            assertThat(record.get(3)).isEqualTo(pair.variant());
            assertThat(Long.parseLong(record.get(4))).isEqualTo(pair.chunkId());
            assertThat(record.get(5)).matches("\\d+(-\\d+)?");
            questions.add(record.get(0));
        }
        assertThat(questions).containsExactlyInAnyOrderElementsOf(accepted(pairs, "test").stream().map(PairFixture.Pair::question).toList());
    }

    @Test
    void parquetHasTheNestedMessagesSchemaAndEveryPair() throws IOException {
        UUID job = fixture.job(chunks, new double[] {0.01, 0.6, 1.2}, new String[] {"standard"}, 5);

        ResponseEntity<byte[]> response = http.getForEntity("/api/jobs/{id}/export?format=parquet&split=all&system=Be brief.", byte[].class, job);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION)).endsWith("-all.parquet\"");
        Path file = Files.write(tmp.resolve("export.parquet"), response.getBody());
        assertRowsMatch(PairFixture.parquet(file), fixture.pairs(job), "all", 5, "Be brief.");
    }

    @Test
    void aDatasetExportsTheUnionOfItsJobs() throws IOException {
        UUID first = fixture.job(chunks, new double[] {0.01}, new String[] {"standard"}, 6);
        UUID second = fixture.job(chunks.subList(0, 2), new double[] {1.2}, new String[] {"nuanced"}, 6);

        ResponseEntity<JsonNode> created = http.postForEntity("/api/datasets",
                Map.of("name", "R manual, rounds 1+2", "jobIds", List.of(first, second)), JsonNode.class);

        assertThat(created.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String id = created.getBody().get("id").asString();
        assertThat(created.getHeaders().getLocation().getPath()).isEqualTo("/api/datasets/" + id);
        List<PairFixture.Pair> both = new ArrayList<>(fixture.pairs(first));
        both.addAll(fixture.pairs(second));
        assertThat(created.getBody().get("pairs").get("train").asLong()).isEqualTo(accepted(both, "train").size());

        ResponseEntity<byte[]> export = http.getForEntity("/api/datasets/{id}/export?split=train&format=parquet", byte[].class, id);
        assertThat(export.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION))
                .isEqualTo("attachment; filename=\"r-manual-rounds-1-2-train.parquet\"");
        assertRowsMatch(PairFixture.parquet(Files.write(tmp.resolve("union.parquet"), export.getBody())), both, "train", 5, null);
    }

    @Test
    void badRequestsAreProblems() {
        UUID job = fixture.job(chunks.subList(0, 1), new double[] {0.5}, new String[] {"standard"}, 2);

        assertProblem(http.getForEntity("/api/jobs/{id}/export", String.class, UUID.randomUUID()), 404, "not-found");
        assertProblem(http.getForEntity("/api/jobs/{id}/export?format=xlsx", String.class, job), 400, "invalid-format");
        assertProblem(http.getForEntity("/api/jobs/{id}/export?split=validation", String.class, job), 400, "invalid-split");
        assertProblem(http.getForEntity("/api/jobs/{id}/export?pairsPerRow=0", String.class, job), 400, "invalid-pairs-per-row");
        assertProblem(http.getForEntity("/api/jobs/{id}/export?format=parquet&flat=true", String.class, job), 400, "invalid-format");
        assertProblem(http.getForEntity("/api/jobs/{id}/export?seed=abc", String.class, job), 400, "invalid-parameter");
        assertProblem(http.getForEntity("/api/datasets/{id}/export", String.class, UUID.randomUUID()), 404, "not-found");
        assertProblem(http.postForEntity("/api/datasets", Map.of("name", "x", "jobIds", List.of(job, UUID.randomUUID())), String.class),
                400, "unknown-job");
        assertProblem(http.postForEntity("/api/datasets", Map.of("name", "", "jobIds", List.of()), String.class), 400, "invalid-request");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM dataset WHERE name = 'x'", Long.class)).isZero();
    }

    private void assertProblem(ResponseEntity<String> response, int status, String slug) {
        assertThat(response.getStatusCode().value()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
        assertThat(response.getBody()).contains("\"type\":\"/problems/" + slug + "\"");
    }

    /** Roles alternate, rows hold at most pairsPerRow pairs of one chunk and split, every accepted pair appears once. */
    static void assertRowsMatch(List<List<PairFixture.Message>> rows, List<PairFixture.Pair> stored, String split, int pairsPerRow, String system) {
        Map<String, PairFixture.Pair> byQuestion = byQuestion(stored);
        List<String> exported = new ArrayList<>();
        for (List<PairFixture.Message> row : rows) {
            List<PairFixture.Message> turns = row;
            if (system != null) {
                assertThat(row.getFirst()).isEqualTo(new PairFixture.Message("system", system));
                turns = row.subList(1, row.size());
            }
            assertThat(turns.size()).isEven().isBetween(2, 2 * pairsPerRow);
            PairFixture.Pair first = null;
            for (int i = 0; i < turns.size(); i += 2) {
                assertThat(turns.get(i).role()).isEqualTo("user");
                assertThat(turns.get(i + 1).role()).isEqualTo("assistant");
                PairFixture.Pair pair = byQuestion.get(turns.get(i).content());
                assertThat(pair).as("stored pair for %s", turns.get(i).content()).isNotNull();
                assertThat(pair.rejectedReason()).isNull();
                assertThat(turns.get(i + 1).content()).isEqualTo(pair.answer());
                first = first == null ? pair : first;
                assertThat(pair.chunkId()).isEqualTo(first.chunkId());
                assertThat(pair.split()).isEqualTo(first.split());
                exported.add(pair.question());
            }
        }
        assertThat(exported).containsExactlyInAnyOrderElementsOf(accepted(stored, split).stream().map(PairFixture.Pair::question).toList());
    }

    static List<PairFixture.Pair> accepted(List<PairFixture.Pair> pairs, String split) {
        return pairs.stream().filter(p -> p.rejectedReason() == null && (split.equals("all") || p.split().equals(split))).toList();
    }

    static Map<String, PairFixture.Pair> byQuestion(List<PairFixture.Pair> pairs) {
        Map<String, PairFixture.Pair> map = new HashMap<>();
        pairs.forEach(p -> map.put(p.question(), p));
        return map;
    }

    List<List<PairFixture.Message>> jsonl(byte[] body) throws IOException {
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        List<List<PairFixture.Message>> rows = new ArrayList<>();
        for (String line : text.split("\n")) {
            JsonNode row = json.readTree(line);
            assertThat(row.size()).isEqualTo(1);
            rows.add(messages(row));
        }
        return rows;
    }

    static List<PairFixture.Message> messages(JsonNode row) {
        List<PairFixture.Message> messages = new ArrayList<>();
        row.get("messages").forEach(m -> messages.add(new PairFixture.Message(m.get("role").asString(), m.get("content").asString())));
        return messages;
    }

    /** A strict RFC 4180 reader: quoted fields may hold commas, doubled quotes and line breaks. */
    public static List<List<String>> csv(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        assertThat(field).isEmpty();
        assertThat(record).isEmpty();
        return records;
    }

}
