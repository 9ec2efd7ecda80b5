package io.qaforge.export.format;

import java.nio.file.Path;
import java.util.HashMap;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * Writes records of one fixed Parquet schema; each subclass says how a record maps onto it. {@link #writer} builds the
 * Snappy-compressed file writer without Hadoop: no Hadoop {@code Configuration} is ever built
 * ({@link PlainParquetConfiguration}, {@link LocalOutputFile}); Hadoop's classes are on the class path only because
 * parquet-hadoop's signatures name them.
 */
public abstract class SchemaWriteSupport<T> extends WriteSupport<T> {

    private final MessageType schema;
    /** Where {@link #write} sends the record's fields. */
    protected RecordConsumer out;

    protected SchemaWriteSupport(MessageType schema) {
        this.schema = schema;
    }

    /** A builder of a writer into {@code file} (replacing what was there) through this write support. */
    public Builder<T> writer(Path file) {
        return new Builder<>(new LocalOutputFile(file), this).withConf(new PlainParquetConfiguration())
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE).withCodecFactory(new SnappyCodecs())
                .withCompressionCodec(CompressionCodecName.SNAPPY);
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return new WriteContext(schema, new HashMap<>());
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    public static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {

        private final WriteSupport<T> support;

        private Builder(OutputFile file, WriteSupport<T> support) {
            super(file);
            this.support = support;
        }

        @Override
        protected Builder<T> self() {
            return this;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(Configuration conf) {
            return support;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
            return support;
        }
    }
}
