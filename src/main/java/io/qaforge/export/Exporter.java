package io.qaforge.export;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;
import org.springframework.stereotype.Component;
import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

import io.qaforge.export.format.CsvEncoder;
import io.qaforge.export.format.JsonlEncoder;
import io.qaforge.export.format.ParquetParts;
import io.qaforge.export.format.ParquetRowWriter;
import io.qaforge.export.format.TextRowWriter;
import io.qaforge.export.stream.CopyReader;
import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.RowBuffer;
import io.qaforge.export.stream.RowEncoder;
import io.qaforge.export.stream.Shuffler;
import io.qaforge.export.stream.Utf8;
import io.qaforge.generation.Jobs;

/**
 * Streams a job's (or several jobs') accepted pairs out of PostgreSQL into a file format, in memory that does not grow
 * with the number of pairs: a binary COPY of generation's {@code accepted_pair} view streams them into the row packer,
 * each row is encoded in its format as it is packed ({@link RowEncoder}, while PostgreSQL is still sending), the encoded
 * rows are shuffled through temp-file buckets ({@link Shuffler}), and the replay copies them onto the stream.
 *
 * <p>Rows pack {@code pairsPerRow} consecutive pairs of one chunk and one split, in the order the pairs were stored
 * (the export index's order, so PostgreSQL streams without sorting); pairs of several jobs are packed per job.
 */
@Component
public class Exporter {

    private final DataSource dataSource;
    private final Jobs jobs;
    /** Row generators that leave the response stream open. */
    private final ObjectWriter generators;

    Exporter(DataSource dataSource, Jobs jobs, JsonMapper json) {
        this.dataSource = dataSource;
        this.jobs = jobs;
        this.generators = json.writer().without(StreamWriteFeature.AUTO_CLOSE_TARGET);
    }

    /** Writes the export onto {@code out} (which stays open). */
    public ExportSummary export(Collection<UUID> jobIds, ExportOptions options, OutputStream out) throws IOException {
        return export(jobIds, null, options, out);
    }

    /** Writes the export into {@code file}, replacing what was there. */
    public ExportSummary export(Collection<UUID> jobIds, ExportOptions options, Path file) throws IOException {
        return export(jobIds, null, options, file);
    }

    /**
     * The jobs' pairs and the hand-written pairs of a dataset ({@code handWrittenOf}, null for none), onto {@code out}
     * (which stays open).
     */
    public ExportSummary export(Collection<UUID> jobIds, UUID handWrittenOf, ExportOptions options, OutputStream out) throws IOException {
        if (options.format() != ExportFormat.PARQUET) {
            // A flat export of fact jobs (or of hand-written pairs, which may name facts) adds the columns factIds and
            // direction; a recipe job's keeps its columns.
            boolean facts = options.flat() && (handWrittenOf != null || jobs.anyFactJob(jobIds));
            if (options.format() == ExportFormat.CSV) {
                return write(jobIds, handWrittenOf, options, facts, new CsvEncoder(generators, options.system(), options.flat(), facts),
                        text(out, CsvEncoder.header(options.flat(), facts)));
            }
            return write(jobIds, handWrittenOf, options, facts, new JsonlEncoder(generators, options.system(), options.flat(), facts),
                    text(out, new byte[0]));
        }
        Path file = Files.createTempFile("qaforge-export-", ".parquet");
        try {
            ExportSummary summary = export(jobIds, handWrittenOf, options, file);
            Files.copy(file, out);
            return summary;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The jobs' pairs and a dataset's hand-written ones ({@code handWrittenOf}, null for none) into {@code file}. */
    public ExportSummary export(Collection<UUID> jobIds, UUID handWrittenOf, ExportOptions options, Path file) throws IOException {
        if (options.format() == ExportFormat.PARQUET) {
            return write(jobIds, handWrittenOf, options, false, ParquetRowWriter.encoder(), shuffler -> {
                try (var parquet = new ParquetParts(file, options.system())) {
                    return shuffler.replay(parquet.writers());
                }
            });
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            return export(jobIds, handWrittenOf, options, out);
        }
    }

    /** Writes the shuffled rows out; returns how many. */
    private interface Replay {
        long write(Shuffler shuffler) throws IOException;
    }

    private static Replay text(OutputStream out, byte[] header) {
        return shuffler -> {
            try (var writer = new TextRowWriter(out, header)) {
                return shuffler.replay(writer);
            }
        };
    }

    private ExportSummary write(Collection<UUID> jobIds, UUID handWrittenOf, ExportOptions options, boolean facts, RowEncoder encoder,
                                Replay replay) throws IOException {
        List<UUID> jobs = jobIds.stream().distinct().sorted().toList();
        try (Shuffler shuffler = read(jobs, handWrittenOf, options, facts, encoder)) {
            // The database connection is back in the pool before the first byte goes out to a slow client.
            long rows = replay.write(shuffler);
            return new ExportSummary(shuffler.pairs(), rows);
        }
    }

    /** One read-only, repeatable-read transaction, so the count that sizes the shuffle and the rows agree. */
    private Shuffler read(List<UUID> jobs, UUID handWrittenOf, ExportOptions options, boolean facts, RowEncoder encoder) throws IOException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            connection.setReadOnly(true);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            Shuffler shuffler = new Shuffler(count(connection, jobs, options.split())
                    + (handWrittenOf == null ? 0 : countHandWritten(connection, handWrittenOf, options)));
            try {
                for (UUID job : jobs) {
                    pack(connection, job, options, facts, encoder, shuffler);
                }
                if (handWrittenOf != null) {
                    packHandWritten(connection, handWrittenOf, options, encoder, shuffler);
                }
                connection.commit();
                return shuffler;
            } catch (IOException | SQLException | RuntimeException e) {
                shuffler.close();
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Export query failed: " + e.getMessage(), e);
        }
    }

    private static long count(Connection connection, List<UUID> jobs, String split) throws SQLException {
        String sql = "SELECT count(*) AS pairs FROM accepted_pair WHERE job_id = ANY(?)" + (split.equals("all") ? "" : " AND split = ?");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setArray(1, connection.createArrayOf("uuid", jobs.toArray()));
            if (!split.equals("all")) {
                statement.setString(2, split);
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong("pairs");
            }
        }
    }

    /**
     * Packs one job's pairs into rows as they stream past; each row's shuffle key is its (job, chunk, split, n-th row).
     * The pairs come as a binary COPY: PostgreSQL streams without waiting for a cursor's next fetch, and the text
     * arrives as the UTF-8 bytes the writers need. COPY takes no parameters; the job id and split are validated values.
     */
    private static void pack(Connection connection, UUID job, ExportOptions options, boolean facts, RowEncoder encoder, Shuffler shuffler)
            throws SQLException, IOException {
        String sql = """
                COPY (SELECT chunk_id, split, question, answer, temperature::float8, variant, page_from, page_to%s
                      FROM accepted_pair
                      WHERE job_id = '%s' %s
                      ORDER BY split, chunk_id, id) TO STDOUT (FORMAT binary)"""
                .formatted(facts ? ", fact_ids, direction" : "", job, options.split().equals("all") ? "" : "AND split = '" + options.split() + "'");
        CopyOut copy = connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
        try {
            CopyReader in = new CopyReader(copy);
            Names splits = new Names();
            Names variants = new Names();
            Names directions = new Names();
            List<QaPair> row = new ArrayList<>(options.pairsPerRow());
            long group = 0;
            while (in.next()) {
                in.readInt();
                long chunk = in.readLong();
                String split = splits.read(in);
                Utf8 question = in.text(in.readInt());
                Utf8 answer = in.text(in.readInt());
                in.readInt();
                double temperature = in.readDouble();
                String variant = variants.read(in);
                in.readInt();
                int pageFrom = in.readInt();
                in.readInt();
                int pageTo = in.readInt();
                QaPair pair = facts ? new QaPair(chunk, split, question, answer, temperature, variant, pageFrom, pageTo,
                        factIds(in), directions.readNullable(in))
                        : new QaPair(chunk, split, question, answer, temperature, variant, pageFrom, pageTo);
                if (!row.isEmpty() && (row.size() == options.pairsPerRow() || !sameChunk(row.getFirst(), pair))) {
                    shuffler.add(key(options.seed(), job, row.getFirst(), group), row.size(), encoder.encode(row));
                    group = sameChunk(row.getFirst(), pair) ? group + 1 : 0;
                    row.clear();
                }
                row.add(pair);
            }
            if (!row.isEmpty()) {
                shuffler.add(key(options.seed(), job, row.getFirst(), group), row.size(), encoder.encode(row));
            }
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** The rows a dataset's hand-written pairs make: each train pair {@code handWrittenRepeat} times. */
    private static long countHandWritten(Connection connection, UUID dataset, ExportOptions options) throws SQLException {
        String sql = "SELECT coalesce(sum(CASE WHEN split = 'train' THEN ? ELSE 1 END), 0) AS row_count FROM dataset_pair WHERE dataset_id = ?"
                + (options.split().equals("all") ? "" : " AND split = ?");
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setInt(1, options.handWrittenRepeat());
            statement.setObject(2, dataset);
            if (!options.split().equals("all")) {
                statement.setString(3, options.split());
            }
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong("row_count");
            }
        }
    }

    /**
     * Adds a dataset's hand-written pairs, one per row (they have no chunk to pack by), each train pair
     * {@code handWrittenRepeat} times under shuffle keys of its own, so the copies spread over the epoch.
     */
    private static void packHandWritten(Connection connection, UUID dataset, ExportOptions options, RowEncoder encoder, Shuffler shuffler)
            throws SQLException, IOException {
        String sql = "SELECT id, split, question, answer, fact_id, direction FROM dataset_pair WHERE dataset_id = ?"
                + (options.split().equals("all") ? "" : " AND split = ?") + " ORDER BY ordinal";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, dataset);
            if (!options.split().equals("all")) {
                statement.setString(2, options.split());
            }
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    String split = rs.getString("split");
                    long factId = rs.getLong("fact_id");
                    long[] factIds = rs.wasNull() ? null : new long[] {factId};
                    List<QaPair> row = List.of(new QaPair(0, split, Utf8.of(rs.getString("question")), Utf8.of(rs.getString("answer")), 0,
                            HandWrittenPairs.VARIANT, 0, 0, factIds,
                            rs.getString("direction")));
                    RowBuffer encoded = encoder.encode(row);
                    int copies = split.equals("train") ? options.handWrittenRepeat() : 1;
                    for (int copy = 0; copy < copies; copy++) {
                        shuffler.add(Shuffler.key(options.seed(), dataset.getMostSignificantBits(), dataset.getLeastSignificantBits(),
                                rs.getLong("id"), copy), 1, encoded);
                    }
                }
            }
        }
    }

    /** Decodes a text field that takes few distinct values (split, variant, direction) once per value. */
    private static final class Names {
        private byte[] last = new byte[0];
        private String name = "";

        String read(CopyReader in) {
            return decode(in, in.readInt());
        }

        String readNullable(CopyReader in) {
            int length = in.readInt();
            return length < 0 ? null : decode(in, length);
        }

        private String decode(CopyReader in, int length) {
            if (length == last.length && in.nextEquals(last, length)) {
                in.skip(length);
            } else {
                last = in.readBytes(length);
                name = new String(last, StandardCharsets.UTF_8);
            }
            return name;
        }
    }

    /** A {@code bigint[]} field of a binary COPY: dimensions, then each element's length and value; null as length -1. */
    private static long[] factIds(CopyReader in) {
        if (in.readInt() < 0) {
            return null;
        }
        int dimensions = in.readInt();
        in.readInt(); // has nulls
        in.readInt(); // element type
        int count = dimensions == 0 ? 0 : in.readInt();
        if (dimensions > 0) {
            in.readInt(); // lower bound
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            in.readInt();
            ids[i] = in.readLong();
        }
        return ids;
    }

    private static boolean sameChunk(QaPair a, QaPair b) {
        return a.chunkId() == b.chunkId() && a.split().equals(b.split());
    }

    private static long key(long seed, UUID job, QaPair first, long group) {
        return Shuffler.key(seed, job.getMostSignificantBits(), job.getLeastSignificantBits(), first.chunkId(),
                first.split().hashCode(), group);
    }
}
