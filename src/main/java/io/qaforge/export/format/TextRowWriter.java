package io.qaforge.export.format;

import java.io.IOException;
import java.io.OutputStream;

import io.qaforge.export.stream.RowWriter;

/**
 * JSONL and CSV: a header, then the encoded rows as they are. Its own plain buffer: BufferedOutputStream takes a lock on every call, and the response's stream costs more per call.
 */
public final class TextRowWriter implements RowWriter {

    private final OutputStream target;
    private final byte[] buffer = new byte[1 << 16];
    private int count;

    public TextRowWriter(OutputStream target, byte[] header) throws IOException {
        this.target = target;
        append(header, 0, header.length);
    }

    @Override
    public void write(byte[] row, int offset, int length) throws IOException {
        append(row, offset, length);
    }

    private void append(byte[] bytes, int offset, int length) throws IOException {
        if (length > buffer.length - count) {
            drain();
            if (length > buffer.length) {
                target.write(bytes, offset, length);
                return;
            }
        }
        System.arraycopy(bytes, offset, buffer, count, length);
        count += length;
    }

    private void drain() throws IOException {
        target.write(buffer, 0, count);
        count = 0;
    }

    @Override
    public void close() throws IOException {
        drain();
        target.flush();
    }
}
