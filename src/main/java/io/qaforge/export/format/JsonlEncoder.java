package io.qaforge.export.format;

import java.io.IOException;
import java.util.List;

import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectWriter;

import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.RowBuffer;
import io.qaforge.export.stream.RowEncoder;

/** JSONL rows: chat messages, or one flat pair with its provenance. */
public final class JsonlEncoder implements RowEncoder {

    private final RowBuffer row = new RowBuffer();
    private final JsonGenerator json;
    private final String system;
    private final boolean flat;
    private final boolean facts;

    /** @param facts flat rows of fact jobs also carry {@code factIds} and {@code direction} */
    public JsonlEncoder(ObjectWriter generators, String system, boolean flat, boolean facts) {
        this.json = generators.withRootValueSeparator((String) null).createGenerator(row);
        this.system = system;
        this.flat = flat;
        this.facts = facts;
    }

    @Override
    public RowBuffer encode(List<QaPair> pairs) throws IOException {
        row.reset();
        if (flat) {
            QaPair pair = pairs.getFirst();
            json.writeStartObject();
            json.writeName("question");
            json.writeUTF8String(pair.question().bytes(), pair.question().offset(), pair.question().length());
            json.writeName("answer");
            json.writeUTF8String(pair.answer().bytes(), pair.answer().offset(), pair.answer().length());
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
            Messages.write(json, system, pairs);
        }
        json.writeRaw('\n');
        json.flush();
        return row;
    }
}
