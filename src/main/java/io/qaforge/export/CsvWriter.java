package io.qaforge.export;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

/** RFC 4180 CSV: a {@code messages} column holding the row's JSON (as Hub datasets do), or flat provenance columns. */
final class CsvWriter implements RowWriter {

    private final Writer out;
    private final String system;
    private final boolean flat;

    CsvWriter(OutputStream out, String system, boolean flat) throws IOException {
        this.out = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        this.system = system;
        this.flat = flat;
        this.out.write(flat ? "question,answer,temperature,variant,chunk,pages\r\n" : "messages\r\n");
    }

    @Override
    public void write(List<QaPair> row) throws IOException {
        if (flat) {
            QaPair pair = row.getFirst();
            field(pair.question());
            out.write(',');
            field(pair.answer());
            out.write(',');
            out.write(Double.toString(pair.temperature()));
            out.write(',');
            field(pair.variant());
            out.write(',');
            out.write(Long.toString(pair.chunkId()));
            out.write(',');
            out.write(pair.pages());
        } else {
            StringWriter messages = new StringWriter(256 * row.size());
            try (JsonGenerator json = Messages.JSON.createGenerator(messages)) {
                Messages.write(json, system, row);
            }
            field(messages.toString());
        }
        out.write("\r\n");
    }

    private void field(String value) throws IOException {
        boolean quote = false;
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == '"' || c == ',' || c == '\n' || c == '\r';
        }
        if (!quote) {
            out.write(value);
            return;
        }
        out.write('"');
        out.write(value.replace("\"", "\"\""));
        out.write('"');
    }

    @Override
    public void close() throws IOException {
        out.flush();
    }
}
