package io.qaforge.export.stream;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.SQLException;
import java.util.Arrays;

import org.postgresql.copy.CopyOut;

/**
 * Reads the big-endian fields of a binary COPY straight from the driver's messages. PostgreSQL sends each row in a
 * message of its own (the file header rides in the first), and the driver hands each over as a new array, so a row's
 * text is read in place ({@link #text}), never copied: a stream over the messages copied every byte once more, and
 * each text field once again.
 */
public final class CopyReader {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    /** The signature, flags and header extension length that open a binary COPY. */
    private static final int HEADER = 11 + 4 + 4;

    private final CopyOut copy;
    private byte[] message = new byte[0];
    private int position;

    public CopyReader(CopyOut copy) throws SQLException, IOException {
        this.copy = copy;
        nextMessage();
        position = HEADER + (int) INT.get(message, HEADER - 4);
    }

    /** Moves to the next row: false at the end of the COPY (then every message has been read). */
    public boolean next() throws SQLException, IOException {
        if (position == message.length) {
            nextMessage();
        }
        if (readShort() != -1) {
            return true;
        }
        while (copy.readFromCopy() != null) {
            // the COPY's end: the driver completes the protocol once the last message is read
        }
        return false;
    }

    short readShort() {
        short value = (short) SHORT.get(message, position);
        position += 2;
        return value;
    }

    public int readInt() {
        int value = (int) INT.get(message, position);
        position += 4;
        return value;
    }

    public long readLong() {
        long value = (long) LONG.get(message, position);
        position += 8;
        return value;
    }

    public double readDouble() {
        return Double.longBitsToDouble(readLong());
    }

    public void skip(int length) {
        position += length;
    }

    /** The next {@code length} bytes, in place. */
    public Utf8 text(int length) {
        position += length;
        return new Utf8(message, position - length, length);
    }

    /** Whether the next {@code length} bytes equal {@code value}, without reading them. */
    public boolean nextEquals(byte[] value, int length) {
        return Arrays.equals(message, position, position + length, value, 0, value.length);
    }

    public byte[] readBytes(int length) {
        position += length;
        return Arrays.copyOfRange(message, position - length, position);
    }

    private void nextMessage() throws SQLException, IOException {
        message = copy.readFromCopy();
        position = 0;
        if (message == null) {
            throw new EOFException("binary COPY ended before its trailer");
        }
    }
}
