package io.qaforge.export;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/** Writes packed rows in one file format; closing finishes the file (flushes, writes a footer) but not the stream under it. */
interface RowWriter extends Closeable {

    /** Writes the row before returning: the list is reused for the next one. */
    void write(List<QaPair> row) throws IOException;
}
