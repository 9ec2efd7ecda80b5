package io.qaforge.export;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Parquet with {@code messages: list<struct<role: string, content: string>>} in the standard three-level LIST layout
 * that pyarrow and {@code datasets} read. Parquet needs its footer at the end, so it goes to a local file first.
 * Hadoop's classes are on the class path only because parquet-hadoop's signatures name them; no Hadoop
 * {@code Configuration} is ever built ({@link PlainParquetConfiguration}, {@link LocalOutputFile}).
 */
final class ParquetRowWriter implements RowWriter {

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

    private static final long ROW_GROUP_BYTES = 16L << 20;

    private final ParquetWriter<List<QaPair>> writer;

    ParquetRowWriter(Path file, String system) throws IOException {
        this.writer = new Builder(new LocalOutputFile(file), system)
                .withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCodecFactory(new SnappyCodecs())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                // A row group is held in memory until it is flushed: the default 128 MB would fill the service's heap.
                .withRowGroupSize(ROW_GROUP_BYTES)
                // Every question and answer differs: a dictionary for them is built only to be thrown away.
                .withDictionaryEncoding("messages.list.element.content", false)
                .build();
    }

    @Override
    public void write(List<QaPair> row) throws IOException {
        writer.write(row);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    private static final class Builder extends ParquetWriter.Builder<List<QaPair>, Builder> {

        private final String system;

        Builder(OutputFile file, String system) {
            super(file);
            this.system = system;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<List<QaPair>> getWriteSupport(Configuration conf) {
            return new MessagesWriteSupport(system);
        }

        @Override
        protected WriteSupport<List<QaPair>> getWriteSupport(ParquetConfiguration conf) {
            return new MessagesWriteSupport(system);
        }
    }

    private static final class MessagesWriteSupport extends WriteSupport<List<QaPair>> {

        private static final Binary SYSTEM = Binary.fromString("system");
        private static final Binary USER = Binary.fromString("user");
        private static final Binary ASSISTANT = Binary.fromString("assistant");

        private final Binary system;
        private RecordConsumer out;

        MessagesWriteSupport(String system) {
            this.system = system == null ? null : Binary.fromString(system);
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(SCHEMA, new HashMap<>());
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(SCHEMA, new HashMap<>());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(List<QaPair> row) {
            out.startMessage();
            out.startField("messages", 0);
            out.startGroup();
            out.startField("list", 0);
            if (system != null) {
                message(SYSTEM, system);
            }
            for (QaPair pair : row) {
                message(USER, Binary.fromConstantByteArray(pair.question()));
                message(ASSISTANT, Binary.fromConstantByteArray(pair.answer()));
            }
            out.endField("list", 0);
            out.endGroup();
            out.endField("messages", 0);
            out.endMessage();
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
