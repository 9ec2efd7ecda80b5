package io.qaforge.export.stream;

import java.io.Closeable;
import java.io.IOException;

/**
 * Writes encoded rows ({@link RowEncoder}) in their shuffled order; closing finishes the file (flushes, writes a footer)
 * but not the stream under it.
 */
public interface RowWriter extends Closeable {

    /** Writes the row before returning: the array is reused for the next one. */
    void write(byte[] row, int offset, int length) throws IOException;
}
