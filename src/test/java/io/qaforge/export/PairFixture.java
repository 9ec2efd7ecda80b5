package io.qaforge.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.util.LinkedMultiValueMap;

import io.qaforge.export.format.SnappyCodecs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test data as the generation engine leaves it: a document uploaded through the API, then job, task and qa_pair rows
 * inserted with JDBC (export depends on those tables, not on the generation code).
 */
public class PairFixture {

    /** One stored pair, as the tests compare it with what an export wrote. */
    public record Pair(long id, long chunkId, String question, String answer, double temperature, String variant,
                       String split, String rejectedReason) {
    }

    public record Message(String role, String content) {
    }

    private final TestRestTemplate http;
    private final JdbcTemplate jdbc;

    public PairFixture(TestRestTemplate http, JdbcTemplate jdbc) {
        this.http = http;
        this.jdbc = jdbc;
    }

    /** Uploads a plain-text document of several chunks and returns its chunk ids. */
    public List<Long> document(String name) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            text.append("Sentence ").append(i).append(" of ").append(name)
                    .append(" says that the vector recycling rule applies to every arithmetic operator. ");
            if (i % 20 == 19) {
                text.append("\n\n");
            }
        }
        var body = new LinkedMultiValueMap<String, Object>();
        body.add("file", new ByteArrayResource(text.toString().getBytes()) {
            @Override
            public String getFilename() {
                return name;
            }
        });
        var headers = new HttpHeaders();
        headers.setContentType(MediaType.MULTIPART_FORM_DATA);
        var created = http.postForEntity("/api/documents", new HttpEntity<>(body, headers), java.util.Map.class);
        if (!created.getStatusCode().is2xxSuccessful()) {
            throw new IllegalStateException("upload failed: " + created);
        }
        UUID documentId = UUID.fromString((String) created.getBody().get("id"));
        return jdbc.queryForList("SELECT id FROM chunk WHERE document_id = ? ORDER BY ordinal", Long.class, documentId);
    }

    /**
     * A finished job over the chunks' documents with {@code perTask} pairs for every chunk × temperature × variant:
     * every 7th pair rejected, every 4th accepted one in the test split. Questions carry commas, quotes, newlines and
     * non-ASCII text so the writers' escaping is exercised.
     */
    public UUID job(List<Long> chunkIds, double[] temperatures, String[] variants, int perTask) {
        UUID job = UUID.randomUUID();
        jdbc.update("""
                INSERT INTO job (id, status, provider, model, context, params, estimate)
                VALUES (?, 'SUCCEEDED', 'openai', 'gpt-4o-mini', 'The R language manual.',
                        '{"prompts": {"standard": "Provide question/answer pairs about the text above."}, "temperatures": [0.01, 0.6, 1.2]}'::jsonb, '{}'::jsonb)""",
                job);
        jdbc.update("INSERT INTO job_document (job_id, document_id) SELECT DISTINCT ?, document_id FROM chunk WHERE id = ANY(?)",
                job, chunkIds.toArray(Long[]::new));
        int n = 0;
        for (long chunk : chunkIds) {
            for (double temperature : temperatures) {
                for (String variant : variants) {
                    long task = jdbc.queryForObject("""
                            INSERT INTO task (id, job_id, chunk_id, temperature, variant, status)
                            VALUES (nextval('task_seq'), ?, ?, ?, ?, 'DONE') RETURNING id""", Long.class, job, chunk, temperature, variant);
                    List<Object[]> rows = new ArrayList<>();
                    for (int ordinal = 0; ordinal < perTask; ordinal++, n++) {
                        String rejected = n % 7 == 6 ? "too_short" : null;
                        String split = n % 4 == 3 ? "test" : "train";
                        String question = (rejected != null ? "REJECTED " : "") + "Q" + n + " of job " + job.toString().substring(0, 8)
                                + ": what does \"recycling\", in R, mean for chunk " + chunk + "?" + (n % 5 == 0 ? "\nSecond line, café ✓" : "");
                        String answer = "A" + n + ": the shorter vector is repeated, \"quoted\", until lengths match.";
                        rows.add(new Object[] {job, task, chunk, ordinal, question, answer, temperature, variant, split, rejected});
                    }
                    jdbc.batchUpdate("""
                            INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model,
                                                 attempt, split, rejected_reason)
                            VALUES (nextval('qa_pair_seq'), ?, ?, ?, ?, ?, ?, ?, ?, 'gpt-4o-mini', 1, ?, ?)""", rows);
                }
            }
        }
        return job;
    }

    public List<Pair> pairs(UUID job) {
        return jdbc.query("""
                SELECT id, chunk_id, question, answer, temperature, variant, split, rejected_reason
                FROM qa_pair WHERE job_id = ? ORDER BY id""",
                (rs, i) -> new Pair(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getDouble(5), rs.getString(6),
                        rs.getString(7), rs.getString(8)), job);
    }

    /** Reads an exported Parquet file back, row by row, with parquet-java's own reader. */
    public static List<List<Message>> parquet(Path file) throws IOException {
        List<List<Message>> rows = new ArrayList<>();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file),
                ParquetReadOptions.builder(new PlainParquetConfiguration()).withCodecFactory(new SnappyCodecs()).build())) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            assertThat(schema.getType("messages").asGroupType().getLogicalTypeAnnotation().toString()).isEqualTo("LIST");
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema).getRecordReader(pages, new GroupRecordConverter(schema));
                for (long i = 0; i < pages.getRowCount(); i++) {
                    Group list = records.read().getGroup("messages", 0);
                    List<Message> row = new ArrayList<>();
                    for (int j = 0; j < list.getFieldRepetitionCount("list"); j++) {
                        Group element = list.getGroup("list", j).getGroup("element", 0);
                        row.add(new Message(element.getString("role", 0), element.getString("content", 0)));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

}
