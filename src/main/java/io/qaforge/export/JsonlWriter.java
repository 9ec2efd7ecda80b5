package io.qaforge.export;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;

final class JsonlWriter implements RowWriter {

    private final JsonGenerator json;
    private final String system;
    private final boolean flat;
    private final boolean facts;

    /** @param facts flat rows of fact jobs also carry {@code factIds} and {@code direction} */
    JsonlWriter(OutputStream out, ObjectWriter generators, String system, boolean flat, boolean facts) throws IOException {
        this.json = generators.createGenerator(out);
        this.system = system;
        this.flat = flat;
        this.facts = facts;
    }

    @Override
    public void write(List<QaPair> row) throws IOException {
        if (flat) {
            QaPair pair = row.getFirst();
            json.writeStartObject();
            json.writeName("question");
            json.writeUTF8String(pair.question(), 0, pair.question().length);
            json.writeName("answer");
            json.writeUTF8String(pair.answer(), 0, pair.answer().length);
            if (pair.handWritten()) {
                json.writeNullProperty("temperature");
                json.writeStringProperty("variant", pair.variant());
                json.writeNullProperty("chunk");
                json.writeNullProperty("pages");
            } else {
                json.writeNumberProperty("temperature", pair.temperature());
                json.writeStringProperty("variant", pair.variant());
                json.writeNumberProperty("chunk", pair.chunkId());
                json.writeStringProperty("pages", pair.pages());
            }
            if (facts) {
                json.writeName("factIds");
                if (pair.factIds() == null) {
                    json.writeNull();
                } else {
                    json.writeArray(pair.factIds(), 0, pair.factIds().length);
                }
                json.writeStringProperty("direction", pair.direction());
            }
            json.writeEndObject();
        } else {
            Messages.write(json, system, row);
        }
        json.writeRaw('\n');
    }

    @Override
    public void close() throws IOException {
        json.close();
    }
}
