package io.qaforge.document;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import org.springframework.http.HttpStatus;

import io.qaforge.system.ApiProblem;

/** What an upload really is, judged by its bytes: the file name only tells Markdown from plain text. */
enum MediaKind {
    PDF("application/pdf"), TEXT("text/plain"), MARKDOWN("text/markdown");

    final String mediaType;

    MediaKind(String mediaType) {
        this.mediaType = mediaType;
    }

    /** @param head the first bytes of the file (a few KiB suffice) */
    static MediaKind sniff(byte[] head, int length, String fileName) {
        // The PDF spec lets the header float within the first 1024 bytes (some generators prepend junk).
        String start = new String(head, 0, Math.min(length, 1024), StandardCharsets.ISO_8859_1);
        if (start.contains("%PDF-")) {
            return PDF;
        }
        if (!looksLikeUtf8Text(head, length)) {
            throw unsupported("The file is neither a PDF nor UTF-8 text");
        }
        String lead = start.stripLeading().toLowerCase(Locale.ROOT);
        if (lead.startsWith("<!doctype html") || lead.startsWith("<html") || lead.startsWith("<?xml")) {
            throw unsupported("The file is HTML/XML, whatever its name says; upload a PDF, plain text or Markdown");
        }
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.endsWith(".md") || name.endsWith(".markdown") ? MARKDOWN : TEXT;
    }

    private static boolean looksLikeUtf8Text(byte[] head, int length) {
        for (int i = 0; i < length; i++) {
            if (head[i] == 0) {
                return false;
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        // The sample may end inside a multi-byte character: drop up to 3 trailing bytes before judging.
        for (int cut = 0; cut <= Math.min(3, length); cut++) {
            try {
                decoder.reset().decode(ByteBuffer.wrap(head, 0, length - cut));
                return true;
            } catch (CharacterCodingException e) {
                // try a shorter sample
            }
        }
        return false;
    }

    private static ApiProblem unsupported(String detail) {
        return new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported file type", detail);
    }
}
