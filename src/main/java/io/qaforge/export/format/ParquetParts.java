package io.qaforge.export.format;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.io.DelegatingSeekableInputStream;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.SeekableInputStream;

import io.qaforge.export.stream.RowWriter;

/**
 * One Parquet file written in parts at once, each part a file of its own ({@link ParquetRowWriter}), whose row groups
 * are then copied as they are, in order, into the one file. Once PostgreSQL has sent the rows, writing Parquet
 * (assembling, encoding and compressing every value) is most of an export's time, and one thread left the other
 * cores idle.
 */
public final class ParquetParts implements Closeable {

    /** Two: the writing's time halves, and each part holds a row group in memory, which the heap must fit. */
    private static final int PARTS = 2;

    private final Path file;
    private final List<Path> files = new ArrayList<>();
    private final List<ParquetRowWriter> writers = new ArrayList<>();

    public ParquetParts(Path file, String system) throws IOException {
        this.file = file;
        try {
            for (int part = 0; part < PARTS; part++) {
                Path partFile = Files.createTempFile("qaforge-export-part-", ".parquet");
                files.add(partFile);
                writers.add(new ParquetRowWriter(partFile, system));
            }
        } catch (IOException | RuntimeException e) {
            deleteParts();
            throw e;
        }
    }

    /** The parts' writers, in the order their rows go into the file. */
    public List<RowWriter> writers() {
        return List.copyOf(writers);
    }

    /** Finishes the parts and joins them into the file. */
    @Override
    public void close() throws IOException {
        try {
            for (ParquetRowWriter writer : writers) {
                writer.close();
            }
            var joined = new ParquetFileWriter(new LocalOutputFile(file), ParquetRowWriter.SCHEMA, ParquetFileWriter.Mode.OVERWRITE,
                    ParquetRowWriter.ROW_GROUP_BYTES, 0);
            joined.start();
            for (int part = 0; part < files.size(); part++) {
                // The row groups as each part's writer recorded them: parquet-hadoop's file reader needs Hadoop.
                try (SeekableInputStream in = open(files.get(part))) {
                    joined.appendRowGroups(in, writers.get(part).footer().getBlocks(), false);
                }
            }
            joined.end(Map.of());
        } finally {
            deleteParts();
        }
    }

    /** The file as Parquet reads it: LocalInputFile's stream reads a byte a call, a second a megabyte when copying. */
    private static SeekableInputStream open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file);
        return new DelegatingSeekableInputStream(Channels.newInputStream(channel)) {
            @Override
            public long getPos() throws IOException {
                return channel.position();
            }

            @Override
            public void seek(long position) throws IOException {
                channel.position(position);
            }
        };
    }

    private void deleteParts() throws IOException {
        for (Path part : files) {
            Files.deleteIfExists(part);
        }
    }
}
