package io.qaforge.export.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.RowBuffer;
import io.qaforge.export.stream.RowEncoder;
import io.qaforge.export.stream.RowWriter;

/**
 * Parquet with {@code messages: list<struct<role: string, content: string>>} in the standard three-level LIST layout
 * that pyarrow and {@code datasets} read. Parquet needs its footer at the end, so it goes to a local file first.
 * Its rows are encoded for the shuffle as each pair's question and answer, length-prefixed ({@link #encoder}); the
 * replay hands Parquet slices of the shuffle's buffer, with no object per pair.
 */
public final class ParquetRowWriter implements RowWriter {

    static final MessageType SCHEMA = MessageTypeParser.parseMessageType("""
            message qaforge {
              required group messages (LIST) {
                repeated group list {
                  required group element {
                    required binary role (STRING);
                    required binary content (STRING);
                  }
                }
              }
            }""");

    static final long ROW_GROUP_BYTES = 16L << 20;

    /** An export's encoder: each pair's question and answer, each prefixed by its length. */
    public static RowEncoder encoder() {
        RowBuffer out = new RowBuffer();
        return row -> {
            out.reset();
            for (QaPair pair : row) {
                out.writeInt(pair.question().length());
                out.write(pair.question().bytes(), pair.question().offset(), pair.question().length());
                out.writeInt(pair.answer().length());
                out.write(pair.answer().bytes(), pair.answer().offset(), pair.answer().length());
            }
            return out;
        };
    }

    private final ParquetWriter<Slice> writer;
    private final Slice slice = new Slice();

    ParquetRowWriter(Path file, String system) throws IOException {
        this.writer = new MessagesWriteSupport(system).writer(file)
                // A row group is held in memory until it is flushed: the default 128 MB would fill the service's heap.
                .withRowGroupSize(ROW_GROUP_BYTES)
                // Every question and answer differs: a dictionary for them is built only to be thrown away.
                .withDictionaryEncoding("messages.list.element.content", false)
                // Nobody filters chat messages by their minimum and maximum, or plans reads by their sizes; without
                // either, a 300k-pair export went from 0.69 to 0.75 of COPY's speed (bench/export.sh).
                .withStatisticsEnabled(false)
                .withSizeStatisticsEnabled(false)
                .build();
    }

    @Override
    public void write(byte[] row, int offset, int length) throws IOException {
        slice.bytes = row;
        slice.offset = offset;
        slice.end = offset + length;
        writer.write(slice);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    /** The file's row groups, once closed. */
    ParquetMetadata footer() {
        return writer.getFooter();
    }

    /** An encoded row in the shuffle's buffer. */
    private static final class Slice {
        byte[] bytes;
        int offset;
        int end;
    }

    private static final class MessagesWriteSupport extends SchemaWriteSupport<Slice> {

        private static final Binary SYSTEM = Binary.fromString("system");
        private static final Binary USER = Binary.fromString("user");
        private static final Binary ASSISTANT = Binary.fromString("assistant");

        private final Binary system;

        MessagesWriteSupport(String system) {
            super(SCHEMA);
            this.system = system == null ? null : Binary.fromString(system);
        }

        @Override
        public void write(Slice row) {
            out.startMessage();
            out.startField("messages", 0);
            out.startGroup();
            out.startField("list", 0);
            if (system != null) {
                message(SYSTEM, system);
            }
            int at = row.offset;
            while (at < row.end) {
                at = message(USER, row.bytes, at);
                at = message(ASSISTANT, row.bytes, at);
            }
            out.endField("list", 0);
            out.endGroup();
            out.endField("messages", 0);
            out.endMessage();
        }

        /**
         * The length-prefixed text at {@code at} as a message; where the next begins. A reused array: Parquet copies
         * what it keeps (page bytes, statistics), as the buffer changes under it.
         */
        private int message(Binary role, byte[] bytes, int at) {
            int length = RowBuffer.readInt(bytes, at);
            message(role, Binary.fromReusedByteArray(bytes, at + 4, length));
            return at + 4 + length;
        }

        private void message(Binary role, Binary content) {
            out.startGroup();
            out.startField("element", 0);
            out.startGroup();
            out.startField("role", 0);
            out.addBinary(role);
            out.endField("role", 0);
            out.startField("content", 1);
            out.addBinary(content);
            out.endField("content", 1);
            out.endGroup();
            out.endField("element", 0);
            out.endGroup();
        }
    }
}
