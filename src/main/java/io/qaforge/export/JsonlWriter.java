package io.qaforge.export;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

final class JsonlWriter implements RowWriter {

    private final JsonGenerator json;
    private final String system;
    private final boolean flat;

    JsonlWriter(OutputStream out, String system, boolean flat) throws IOException {
        this.json = Messages.JSON.createGenerator(out);
        this.system = system;
        this.flat = flat;
    }

    @Override
    public void write(List<QaPair> row) throws IOException {
        if (flat) {
            QaPair pair = row.getFirst();
            json.writeStartObject();
            json.writeFieldName("question");
            json.writeUTF8String(pair.question(), 0, pair.question().length);
            json.writeFieldName("answer");
            json.writeUTF8String(pair.answer(), 0, pair.answer().length);
            json.writeNumberField("temperature", pair.temperature());
            json.writeStringField("variant", pair.variant());
            json.writeNumberField("chunk", pair.chunkId());
            json.writeStringField("pages", pair.pages());
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
