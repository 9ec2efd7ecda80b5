package io.qaforge.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.UUID;

import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.export.format.SchemaWriteSupport;

/**
 * A job's accepted study passages as text rows, {@code {"text": …, "strategy": …, "chunkId": …}}: what training reads
 * as continued pretraining beside the chat rows (loss on every token), in each export format. Passages are training
 * material only: the exam (the test split) is pairs, and a passage that carries a test question's wording was
 * rejected when its job ended. {@code chunkId} is the source chunk's id, as a string.
 */
@Component
public class StudyExport {

    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message qaforge_documents {
              required binary text (STRING);
              required binary strategy (STRING);
              required binary chunkId (STRING);
            }""");

    record Passage(String text, String strategy, String chunkId) {
    }

    private interface Sink {
        void write(Passage passage) throws IOException;
    }

    private final JdbcClient db;
    private final ObjectWriter generators;

    StudyExport(JdbcClient db, JsonMapper json) {
        this.db = db;
        // No separator between root values: each row is one line, its newline written after it.
        this.generators = json.writer().without(StreamWriteFeature.AUTO_CLOSE_TARGET).withRootValueSeparator((String) null);
    }

    /** JSONL or CSV onto {@code out}, which stays open; the number of rows written. */
    public long write(Collection<UUID> jobIds, ExportFormat format, OutputStream out) throws IOException {
        if (format == ExportFormat.PARQUET) {
            Path file = Files.createTempFile("qaforge-documents-", ".parquet");
            try {
                long rows = write(jobIds, format, file);
                Files.copy(file, out);
                return rows;
            } finally {
                Files.deleteIfExists(file);
            }
        }
        if (format == ExportFormat.CSV) {
            out.write("text,strategy,chunkId\r\n".getBytes(StandardCharsets.US_ASCII));
            return each(jobIds, passage -> out.write((cell(passage.text()) + "," + passage.strategy() + "," + passage.chunkId() + "\r\n")
                    .getBytes(StandardCharsets.UTF_8)));
        }
        try (JsonGenerator json = generators.createGenerator(out)) {
            return each(jobIds, passage -> {
                json.writeStartObject();
                json.writeStringProperty("text", passage.text());
                json.writeStringProperty("strategy", passage.strategy());
                json.writeStringProperty("chunkId", passage.chunkId());
                json.writeEndObject();
                json.writeRaw('\n');
            });
        }
    }

    /** The rows in {@code file}, replacing what was there; the number written. */
    public long write(Collection<UUID> jobIds, ExportFormat format, Path file) throws IOException {
        if (format != ExportFormat.PARQUET) {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                return write(jobIds, format, out);
            }
        }
        try (ParquetWriter<Passage> writer = new TextWriteSupport().writer(file).build()) {
            return each(jobIds, writer::write);
        }
    }

    /** In the jobs' order, then their chunks', then the order the passages were written. */
    private long each(Collection<UUID> jobIds, Sink sink) {
        long[] rows = {0};
        db.sql("""
                        SELECT text, strategy, chunk_id FROM accepted_passage WHERE job_id = ANY(?::uuid[])
                        ORDER BY job_id, chunk_id, id""")
                .param(jobIds.stream().map(UUID::toString).distinct().toArray(String[]::new))
                .query(rs -> {
                    try {
                        sink.write(new Passage(rs.getString("text"), rs.getString("strategy"), Long.toString(rs.getLong("chunk_id"))));
                        rows[0]++;
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        return rows[0];
    }

    /** Quoted where needed, and a cell a spreadsheet would run as a formula made text, as {@link CsvWriter} does. */
    private static String cell(String value) {
        boolean formula = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0;
        if (!formula && value.chars().noneMatch(c -> c == '"' || c == ',' || c == '\n' || c == '\r')) {
            return value;
        }
        return "\"" + (formula ? "'" : "") + value.replace("\"", "\"\"") + "\"";
    }

    private static final class TextWriteSupport extends SchemaWriteSupport<Passage> {

        TextWriteSupport() {
            super(SCHEMA);
        }

        @Override
        public void write(Passage passage) {
            out.startMessage();
            field("text", 0, passage.text());
            field("strategy", 1, passage.strategy());
            field("chunkId", 2, passage.chunkId());
            out.endMessage();
        }

        private void field(String name, int index, String value) {
            out.startField(name, index);
            out.addBinary(Binary.fromString(value));
            out.endField(name, index);
        }
    }
}
