package io.qaforge.export.stream;

import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** One row's bytes as they are encoded: a growable array without the locks of ByteArrayOutputStream, reused row after row. */
public final class RowBuffer extends OutputStream {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private byte[] bytes = new byte[4096];
    private int size;

    @Override
    public void write(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int offset, int length) {
        ensure(length);
        System.arraycopy(b, offset, bytes, size, length);
        size += length;
    }

    @Override
    public void write(byte[] b) {
        write(b, 0, b.length);
    }

    public void writeInt(int value) {
        ensure(4);
        INT.set(bytes, size, value);
        size += 4;
    }

    public static int readInt(byte[] bytes, int offset) {
        return (int) INT.get(bytes, offset);
    }

    public void reset() {
        size = 0;
    }

    public byte[] array() {
        return bytes;
    }

    public int size() {
        return size;
    }

    private void ensure(int length) {
        if (bytes.length - size < length) {
            bytes = Arrays.copyOf(bytes, Math.max(size + length, bytes.length * 2));
        }
    }
}
