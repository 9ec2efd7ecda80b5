package io.qaforge.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.PythonDatasets;
import io.qaforge.export.format.SnappyCodecs;
import io.qaforge.training.TrainingFixtures;

import static io.qaforge.training.TrainingFixtures.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Datasets of pairs users wrote by hand: uploaded as CSV, JSONL or Parquet under the exam uploads' rules, seen row by
 * row, combined with jobs' generated pairs, exported with the hand-written rows marked (flat) and weighted (repeated).
 */
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HandWrittenDatasetTest {

    static final String CSV = """
            question,answer,factId,direction,split
            How long is a half?,Twenty minutes.,7,forward,train
            "Who founded the club, and when?","Anna Berg, in 1999.",,,
            What colour is the ball?,Bright orange.,,reverse,test
            """;

    @Autowired
    TestRestTemplate http;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    Exporter exporter;
    @TempDir
    Path tmp;

    TrainingFixtures fixtures;

    @BeforeEach
    void setUp() {
        fixtures = new TrainingFixtures(http, jdbc, null);
    }

    @Test
    void csvJsonlAndParquetUploadsBecomeTheSameRowsToldApartByContentNotName() throws IOException {
        String jsonl = """
                {"question": "How long is a half?", "answer": "Twenty minutes.", "factId": 7, "direction": "forward", "split": "train"}
                {"question": "Who founded the club, and when?", "answer": "Anna Berg, in 1999."}
                {"question": "What colour is the ball?", "answer": "Bright orange.", "direction": "REVERSE", "split": "test"}
                """;
        byte[] parquet = parquet(List.of(
                new String[] {"How long is a half?", "Twenty minutes.", "7", "forward", "train"},
                new String[] {"Who founded the club, and when?", "Anna Berg, in 1999.", null, null, null},
                new String[] {"What colour is the ball?", "Bright orange.", null, "reverse", "test"}));

        for (byte[] file : List.of(CSV.getBytes(StandardCharsets.UTF_8), jsonl.getBytes(StandardCharsets.UTF_8), parquet)) {
            ResponseEntity<JsonNode> created = upload("pairs.txt", file, "Club FAQ", List.of());
            assertThat(created.getStatusCode().value()).as("%s", created.getBody()).isEqualTo(201);
            JsonNode dataset = created.getBody();
            assertThat(dataset.get("name").asString()).isEqualTo("Club FAQ");
            assertThat(dataset.at("/handWritten/train").asLong()).isEqualTo(2);
            assertThat(dataset.at("/handWritten/test").asLong()).isEqualTo(1);

            JsonNode rows = fixtures.get("/api/datasets/" + dataset.get("id").asString() + "/pairs").getBody();
            assertThat(rows.at("/page/totalElements").asLong()).isEqualTo(3);
            JsonNode first = rows.get("content").get(0);
            assertThat(first.get("question").asString()).isEqualTo("How long is a half?");
            assertThat(first.get("factId").asLong()).isEqualTo(7);
            assertThat(first.get("direction").asString()).isEqualTo("forward");
            assertThat(rows.get("content").get(1).get("answer").asString()).isEqualTo("Anna Berg, in 1999.");
            assertThat(rows.get("content").get(1).get("split").asString()).as("train unless the file says otherwise").isEqualTo("train");
            assertThat(rows.get("content").get(2).get("direction").asString()).isEqualTo("reverse");
        }
    }

    @Test
    void everyBadFileIsRefusedNamingWhereAndStoresNothing() throws IOException {
        long datasets = count("dataset"), pairs = count("dataset_pair");

        assertProblem(upload("a.csv", "question,answer\nOne?,1\nTwo?,\n"), 400, "invalid-pairs-file", "line 3", "answer must not be blank");
        assertProblem(upload("a.csv", "question,answer,split\nOne?,1,validation\n"), 400, "invalid-pairs-file", "line 2",
                "split must be train or test");
        assertProblem(upload("a.csv", "question,anwser\nOne?,1\n"), 400, "invalid-pairs-file", "line 1", "unknown column 'anwser'");
        assertProblem(upload("a.csv", "question,answer,context\nOne?,1,x\n"), 400, "invalid-pairs-file", "line 1", "unknown column 'context'");
        assertProblem(upload("a.csv", "question,answer\nOne?,1,extra\n"), 400, "invalid-pairs-file", "line 2", "3 values");
        assertProblem(upload("a.csv", "question,answer,direction\nOne?,1,sideways\n"), 400, "invalid-pairs-file", "line 2", "direction");
        assertProblem(upload("a.csv", "question,answer,factId\nOne?,1,x7\n"), 400, "invalid-pairs-file", "line 2", "factId");
        assertProblem(upload("a.csv", "question,answer\nOne?," + "a".repeat(4001) + "\n"), 400, "invalid-pairs-file", "line 2", "4000");
        assertProblem(upload("a.jsonl", "{\"question\": \"One?\", \"answer\": \"1\"}\n{\"question\": \"Two?\"\n"), 400, "invalid-pairs-file",
                "line 2", "not valid JSON");
        assertProblem(upload("a.csv", ""), 400, "invalid-pairs-file", "empty");
        assertProblem(upload("a.csv", "question,answer\n"), 400, "invalid-pairs-file", "no pairs");
        assertProblem(upload("a.csv", "question,answer\nOne?,1\nTwo?,2\u0000\n"), 400, "invalid-text", "line 3: answer");
        byte[] latin1 = "question,answer\nCaf\u00e9?,1\n".getBytes(StandardCharsets.ISO_8859_1);
        assertProblem(upload("a.csv", latin1, null, List.of()), 400, "invalid-pairs-file", "line 2", "UTF-8");
        StringBuilder many = new StringBuilder("question,answer\n");
        for (int i = 0; i <= 10_000; i++) {
            many.append("Q").append(i).append("?,A\n");
        }
        assertProblem(upload("a.csv", many.toString()), 400, "invalid-pairs-file", "line 10002", "at most 10000");
        assertProblem(upload("a.csv", CSV.getBytes(StandardCharsets.UTF_8), null, List.of(UUID.randomUUID())), 400, "unknown-job");

        byte[] parquet = parquet(List.<String[]>of(new String[] {"One?", " ", null, null, null}));
        assertProblem(upload("a.parquet", parquet, null, List.of()), 400, "invalid-pairs-file", "row 1", "answer must not be blank");
        byte[] truncated = java.util.Arrays.copyOf(parquet(List.<String[]>of(new String[] {"One?", "1", null, null, null})), 40);
        assertProblem(upload("a.parquet", truncated, null, List.of()), 400, "invalid-pairs-file", "not readable as Parquet");

        assertThat(count("dataset")).isEqualTo(datasets);
        assertThat(count("dataset_pair")).isEqualTo(pairs);
    }

    /**
     * Generated and hand-written pairs in one dataset: the flat export marks the rows a person wrote, and Hugging Face's
     * {@code datasets} reads the mixed export with every row in its split.
     */
    @Test
    void aMixedDatasetIsExportedWithItsHandWrittenRowsMarkedAndReadBackByDatasets() throws Exception {
        PairFixture pairs = new PairFixture(http, jdbc);
        UUID job = pairs.job(pairs.document("mixed-" + UUID.randomUUID() + ".txt"), new double[] {0.5}, new String[] {"standard"}, 4);
        JsonNode dataset = upload("faq.csv", CSV.getBytes(StandardCharsets.UTF_8), null, List.of(job)).getBody();
        String id = dataset.get("id").asString();
        assertThat(dataset.get("name").asString()).as("named after the file").isEqualTo("faq");
        assertThat(dataset.get("jobIds").toString()).contains(job.toString());
        long generatedTrain = dataset.at("/pairs/train").asLong(), generatedTest = dataset.at("/pairs/test").asLong();

        String flat = http.getForObject("/api/datasets/" + id + "/export?format=csv&flat=true&split=train", String.class);
        List<String> handWritten = flat.lines().filter(line -> line.contains(",hand-written,")).toList();
        assertThat(handWritten).containsExactlyInAnyOrder("How long is a half?,Twenty minutes.,,hand-written,,,[7],forward",
                "\"Who founded the club, and when?\",\"Anna Berg, in 1999.\",,hand-written,,,,");
        String flatJsonl = http.getForObject("/api/datasets/" + id + "/export?flat=true&split=train", String.class);
        assertThat(flatJsonl.lines().count()).isEqualTo(generatedTrain + 2);
        assertThat(flatJsonl.lines().filter(line -> line.contains("\"variant\":\"hand-written\"")))
                .allMatch(line -> line.contains("\"temperature\":null") && line.contains("\"chunk\":null")).hasSize(2);

        PythonDatasets.python();
        for (String format : List.of("jsonl", "parquet")) {
            Path train = tmp.resolve("train." + format), test = tmp.resolve("test." + format);
            Files.write(train, http.getForObject("/api/datasets/" + id + "/export?pairsPerRow=1&format=" + format + "&split=train", byte[].class));
            Files.write(test, http.getForObject("/api/datasets/" + id + "/export?pairsPerRow=1&format=" + format + "&split=test", byte[].class));
            JsonNode loaded = PythonDatasets.run(LOAD, tmp, format.equals("jsonl") ? "json" : "parquet", train.toString(), test.toString());
            assertThat(loaded.at("/splits/train").asLong()).isEqualTo(generatedTrain + 2);
            assertThat(loaded.at("/splits/test").asLong()).isEqualTo(generatedTest + 1);
            assertThat(loaded.get("questions").toString()).contains("How long is a half?", "Who founded the club, and when?",
                    "What colour is the ball?");
        }
    }

    @Test
    void aWeightedExportWritesEachHandWrittenTrainPairTheConfiguredNumberOfTimes() throws IOException {
        UUID dataset = UUID.fromString(upload("faq.csv", CSV).getBody().get("id").asString());
        var out = new java.io.ByteArrayOutputStream();
        ExportSummary summary = exporter.export(List.of(), dataset, new ExportOptions(ExportFormat.JSONL, "all", 5, 42, null, true, 4), out);

        JsonMapper json = new JsonMapper();
        List<String> questions = out.toString(StandardCharsets.UTF_8).lines().map(line -> json.readTree(line).get("question").asString()).toList();
        assertThat(summary.rows()).isEqualTo(2 * 4 + 1);
        assertThat(Collections.frequency(questions, "How long is a half?")).as("%s", questions).isEqualTo(4);
        assertThat(Collections.frequency(questions, "Who founded the club, and when?")).isEqualTo(4);
        assertThat(Collections.frequency(questions, "What colour is the ball?")).as("test rows are not weighted").isEqualTo(1);
        assertThat(questions.lastIndexOf("How long is a half?") - questions.indexOf("How long is a half?"))
                .as("copies spread over the file, not in a block: %s", questions).isGreaterThan(3);
    }

    static final String LOAD = """
            import json, sys
            from datasets import load_dataset
            kind, train, test = sys.argv[1:4]
            ds = load_dataset(kind, data_files={"train": train, "test": test})
            print(json.dumps({"splits": {name: ds[name].num_rows for name in ds},
                              "questions": [m["content"] for name in ds for row in ds[name]["messages"] for m in row if m["role"] == "user"]}))
            """;

    private ResponseEntity<JsonNode> upload(String name, String content) {
        return upload(name, content.getBytes(StandardCharsets.UTF_8), null, List.of());
    }

    private ResponseEntity<JsonNode> upload(String name, byte[] content, String datasetName, List<UUID> jobIds) {
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", TrainingFixtures.file(name, content));
        if (datasetName != null) {
            body.add("name", datasetName);
        }
        jobIds.forEach(job -> body.add("jobIds", job.toString()));
        return fixtures.exchange(HttpMethod.POST, "/api/datasets", body, MediaType.MULTIPART_FORM_DATA, null);
    }

    /** A Parquet file as pandas or pyarrow writes one: optional text columns, Snappy pages. */
    private byte[] parquet(List<String[]> rows) throws IOException {
        MessageType schema = MessageTypeParser.parseMessageType("""
                message pairs {
                  optional binary question (STRING);
                  optional binary answer (STRING);
                  optional int64 factId;
                  optional binary direction (STRING);
                  optional binary split (STRING);
                }""");
        Path file = tmp.resolve(UUID.randomUUID() + ".parquet");
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file)).withConf(new PlainParquetConfiguration())
                .withType(schema).withCodecFactory(new SnappyCodecs()).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            for (String[] row : rows) {
                Group group = groups.newGroup();
                for (int i = 0; i < row.length; i++) {
                    if (row[i] != null) {
                        if (i == 2) {
                            group.add(i, Long.parseLong(row[i]));
                        } else {
                            group.add(i, row[i]);
                        }
                    }
                }
                writer.write(group);
            }
        }
        return Files.readAllBytes(file);
    }

    private long count(String table) {
        return jdbc.queryForObject("SELECT count(*) FROM " + table, Long.class);
    }

}
