package io.qaforge.export.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;

import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.RowBuffer;
import io.qaforge.export.stream.RowEncoder;
import io.qaforge.export.stream.Utf8;

/**
 * RFC 4180 CSV in UTF-8: a {@code messages} column holding the row's JSON (as Hub datasets do), or flat provenance
 * columns (with fact jobs: also the facts each pair tests, as a JSON array, and its direction). Works on UTF-8 bytes: the characters that force quoting are ASCII and never occur inside a multi-byte sequence.
 */
public final class CsvEncoder implements RowEncoder {

    private static final byte[] CRLF = {'\r', '\n'};

    private final RowBuffer out = new RowBuffer();
    private final String system;
    private final boolean flat;
    private final boolean facts;
    /** A row's JSON, then quoted into its cell. */
    private final RowBuffer messages = new RowBuffer();
    private final JsonGenerator json;
    private final RowBuffer provenance = new RowBuffer();
    /** The pair whose cells {@link #provenance} holds. */
    private QaPair provenanceOf;

    public CsvEncoder(ObjectWriter generators, String system, boolean flat, boolean facts) {
        this.system = system;
        this.flat = flat;
        this.facts = facts;
        this.json = generators.withRootValueSeparator((String) null).createGenerator(messages);
    }

    /** The header line: the columns {@code flat} and {@code facts} give. */
    public static byte[] header(boolean flat, boolean facts) {
        return ((flat ? "question,answer,temperature,variant,chunk,pages" + (facts ? ",factIds,direction" : "") : "messages") + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public RowBuffer encode(List<QaPair> row) throws IOException {
        out.reset();
        if (flat) {
            QaPair pair = row.getFirst();
            field(pair.question());
            out.write(',');
            field(pair.answer());
            out.write(',');
            provenance(pair);
            if (facts) {
                out.write(',');
                if (pair.factIds() != null) {
                    field(Utf8.of(Arrays.toString(pair.factIds()).replace(" ", "")));
                }
                out.write(',');
                if (pair.direction() != null) {
                    ascii(pair.direction());
                }
            }
        } else {
            messages.reset();
            Messages.write(json, system, row);
            json.flush();
            field(new Utf8(messages.array(), 0, messages.size()));
        }
        out.write(CRLF);
        return out;
    }

    /** The cells {@code temperature,variant,chunk,pages}: the same for all of a task's pairs, so encoded once per run of them. */
    private void provenance(QaPair pair) {
        if (provenanceOf == null || pair.temperature() != provenanceOf.temperature() || !pair.variant().equals(provenanceOf.variant())
                || pair.chunkId() != provenanceOf.chunkId() || pair.pageFrom() != provenanceOf.pageFrom() || pair.pageTo() != provenanceOf.pageTo()) {
            provenance.reset();
            if (!pair.handWritten()) { // a hand-written pair has no temperature, chunk or pages: empty cells
                ascii(provenance, Double.toString(pair.temperature()));
            }
            provenance.write(',');
            field(provenance, Utf8.of(pair.variant()));
            provenance.write(',');
            if (!pair.handWritten()) {
                ascii(provenance, Long.toString(pair.chunkId()));
            }
            provenance.write(',');
            if (!pair.handWritten()) {
                ascii(provenance, pair.pages());
            }
            provenanceOf = pair;
        }
        out.write(provenance.array(), 0, provenance.size());
    }

    /**
     * A cell a spreadsheet would run as a formula (it starts with =, +, -, @, tab or CR) gets a leading apostrophe,
     * which spreadsheets show as text: document text such as {@code =cmd|' /C calc'!A0} must not execute on opening.
     */
    private void field(Utf8 text) {
        field(out, text);
    }

    private static void field(RowBuffer out, Utf8 text) {
        byte[] value = text.bytes();
        int start = text.offset();
        int end = start + text.length();
        boolean formula = start < end && switch (value[start]) {
            case '=', '+', '-', '@', '\t', '\r' -> true;
            default -> false;
        };
        boolean quote = formula;
        for (int i = start; i < end && !quote; i++) {
            byte b = value[i];
            quote = b == '"' || b == ',' || b == '\n' || b == '\r';
        }
        if (!quote) {
            out.write(value, start, end - start);
            return;
        }
        out.write('"');
        if (formula) {
            out.write('\'');
        }
        int from = start;
        for (int i = start; i < end; i++) {
            if (value[i] == '"') {
                out.write(value, from, i + 1 - from); // the quote itself, then once more below
                from = i;
            }
        }
        out.write(value, from, end - from);
        out.write('"');
    }

    private void ascii(String value) {
        ascii(out, value);
    }

    private static void ascii(RowBuffer out, String value) {
        out.write(value.getBytes(StandardCharsets.US_ASCII));
    }
}
