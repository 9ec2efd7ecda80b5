package io.qaforge.export.format;

import java.io.IOException;
import java.util.List;

import tools.jackson.core.JsonGenerator;

import io.qaforge.export.stream.QaPair;
import io.qaforge.export.stream.Utf8;

/** The chat-messages row shape that TRL's SFTTrainer and OpenAI fine-tuning both read. */
final class Messages {

    private Messages() {
    }

    static void write(JsonGenerator json, String system, List<QaPair> row) throws IOException {
        json.writeStartObject();
        json.writeArrayPropertyStart("messages");
        if (system != null) {
            json.writeStartObject();
            json.writeStringProperty("role", "system");
            json.writeStringProperty("content", system);
            json.writeEndObject();
        }
        for (QaPair pair : row) {
            message(json, "user", pair.question());
            message(json, "assistant", pair.answer());
        }
        json.writeEndArray();
        json.writeEndObject();
    }

    private static void message(JsonGenerator json, String role, Utf8 content) throws IOException {
        json.writeStartObject();
        json.writeStringProperty("role", role);
        json.writeName("content");
        json.writeUTF8String(content.bytes(), content.offset(), content.length());
        json.writeEndObject();
    }
}
