package io.qaforge.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;

/**
 * RFC 4180 CSV in UTF-8: a {@code messages} column holding the row's JSON (as Hub datasets do), or flat provenance
 * columns (with fact jobs: also the facts each pair tests, as a JSON array, and its direction). Works on UTF-8 bytes: the characters that force quoting are ASCII and never occur inside a multi-byte sequence.
 */
final class CsvWriter implements RowWriter {

    private static final byte[] CRLF = {'\r', '\n'};

    private final Sink out;
    private final ObjectWriter generators;
    private final String system;
    private final boolean flat;
    private final boolean facts;
    private final Buffer messages = new Buffer();

    /** Exposes its array so a row's JSON is quoted without another copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(4096);
        }

        byte[] array() {
            return buf;
        }
    }

    CsvWriter(OutputStream out, ObjectWriter generators, String system, boolean flat, boolean facts) throws IOException {
        this.out = new Sink(out);
        this.generators = generators;
        this.system = system;
        this.flat = flat;
        this.facts = facts;
        ascii(flat ? "question,answer,temperature,variant,chunk,pages" + (facts ? ",factIds,direction" : "") : "messages");
        this.out.write(CRLF);
    }

    @Override
    public void write(List<QaPair> row) throws IOException {
        if (flat) {
            QaPair pair = row.getFirst();
            field(pair.question(), pair.question().length);
            out.write(',');
            field(pair.answer(), pair.answer().length);
            out.write(',');
            if (!pair.handWritten()) { // a hand-written pair has no temperature, chunk or pages: empty cells
                ascii(Double.toString(pair.temperature()));
            }
            out.write(',');
            byte[] variant = pair.variant().getBytes(StandardCharsets.UTF_8);
            field(variant, variant.length);
            out.write(',');
            if (!pair.handWritten()) {
                ascii(Long.toString(pair.chunkId()));
            }
            out.write(',');
            if (!pair.handWritten()) {
                ascii(pair.pages());
            }
            if (facts) {
                out.write(',');
                if (pair.factIds() != null) {
                    byte[] ids = Arrays.toString(pair.factIds()).replace(" ", "").getBytes(StandardCharsets.US_ASCII);
                    field(ids, ids.length);
                }
                out.write(',');
                if (pair.direction() != null) {
                    ascii(pair.direction());
                }
            }
        } else {
            messages.reset();
            try (JsonGenerator json = generators.createGenerator(messages)) {
                Messages.write(json, system, row);
            }
            field(messages.array(), messages.size());
        }
        out.write(CRLF);
    }

    /**
     * A cell a spreadsheet would run as a formula (it starts with =, +, -, @, tab or CR) gets a leading apostrophe,
     * which spreadsheets show as text: document text such as {@code =cmd|' /C calc'!A0} must not execute on opening.
     */
    private void field(byte[] value, int length) throws IOException {
        boolean formula = length > 0 && switch (value[0]) {
            case '=', '+', '-', '@', '\t', '\r' -> true;
            default -> false;
        };
        boolean quote = formula;
        for (int i = 0; i < length && !quote; i++) {
            byte b = value[i];
            quote = b == '"' || b == ',' || b == '\n' || b == '\r';
        }
        if (!quote) {
            out.write(value, 0, length);
            return;
        }
        out.write('"');
        if (formula) {
            out.write('\'');
        }
        int from = 0;
        for (int i = 0; i < length; i++) {
            if (value[i] == '"') {
                out.write(value, from, i + 1 - from); // the quote itself, then once more below
                from = i;
            }
        }
        out.write(value, from, length - from);
        out.write('"');
    }

    private void ascii(String value) throws IOException {
        out.write(value.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }

    /** A plain buffer: BufferedOutputStream takes a lock on every call, and CSV makes many small ones. */
    private static final class Sink {
        private final OutputStream target;
        private final byte[] buffer = new byte[1 << 16];
        private int count;

        Sink(OutputStream target) {
            this.target = target;
        }

        void write(int b) throws IOException {
            if (count == buffer.length) {
                drain();
            }
            buffer[count++] = (byte) b;
        }

        void write(byte[] bytes) throws IOException {
            write(bytes, 0, bytes.length);
        }

        void write(byte[] bytes, int offset, int length) throws IOException {
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

        void drain() throws IOException {
            target.write(buffer, 0, count);
            count = 0;
        }

        void flush() throws IOException {
            drain();
            target.flush();
        }
    }
}
