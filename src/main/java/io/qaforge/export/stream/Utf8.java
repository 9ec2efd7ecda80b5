package io.qaforge.export.stream;

import java.nio.charset.StandardCharsets;

/** UTF-8 text as a slice of a larger array: a pair's text stays where PostgreSQL's COPY message put it. */
public record Utf8(byte[] bytes, int offset, int length) {

    public static Utf8 of(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return new Utf8(bytes, 0, bytes.length);
    }
}
