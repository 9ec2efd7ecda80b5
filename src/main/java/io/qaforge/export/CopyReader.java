package io.qaforge.export;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Reads the big-endian fields of a binary COPY from its own buffer. DataInputStream over BufferedInputStream, as
 * before, took a lock and made a call per byte of every number and a new array per text field: a quarter of an
 * export's CPU in the profile.
 */
final class CopyReader {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    private final InputStream in;
    private byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;

    CopyReader(InputStream in) {
        this.in = in;
    }

    short readShort() throws IOException {
        require(2);
        short value = (short) SHORT.get(buffer, position);
        position += 2;
        return value;
    }

    int readInt() throws IOException {
        require(4);
        int value = (int) INT.get(buffer, position);
        position += 4;
        return value;
    }

    long readLong() throws IOException {
        require(8);
        long value = (long) LONG.get(buffer, position);
        position += 8;
        return value;
    }

    double readDouble() throws IOException {
        return Double.longBitsToDouble(readLong());
    }

    void skip(int length) throws IOException {
        require(length);
        position += length;
    }

    byte[] readBytes(int length) throws IOException {
        require(length);
        position += length;
        return Arrays.copyOfRange(buffer, position - length, position);
    }

    /** Whether the next {@code length} bytes equal {@code value}, without reading them. */
    boolean nextEquals(byte[] value, int length) throws IOException {
        require(length);
        return Arrays.equals(buffer, position, position + length, value, 0, value.length);
    }

    private void require(int length) throws IOException {
        if (limit - position >= length) {
            return;
        }
        if (length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(length, buffer.length * 2));
        }
        System.arraycopy(buffer, position, buffer, 0, limit - position);
        limit -= position;
        position = 0;
        while (limit < length) {
            int read = in.read(buffer, limit, buffer.length - limit);
            if (read < 0) {
                throw new EOFException("binary COPY ended inside a row");
            }
            limit += read;
        }
    }
}
