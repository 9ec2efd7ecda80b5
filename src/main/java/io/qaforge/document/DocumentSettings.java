package io.qaforge.document;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import io.qaforge.document.upload.MediaKind;

/**
 * What a client needs to offer an upload: the file types the service reads (a hint for a file picker; the bytes
 * decide), the OCR modes and default languages, the title limit, and the statuses a document goes through.
 */
@Component
public record DocumentSettings(List<String> fileTypes, List<String> ocrModes, String defaultOcrLanguages, int maxTitleLength,
                               List<Document.Status> statuses) {

    /** Extensions and media types of what {@link MediaKind} recognises. */
    private static final List<String> FILE_TYPES = List.of(".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".xhtml",
            ".docx", ".odt", ".epub", "text/plain", "text/markdown");

    @Autowired
    DocumentSettings(DocumentProperties properties) {
        this(concat(FILE_TYPES, Arrays.stream(MediaKind.values()).map(kind -> kind.mediaType).toList()),
                Arrays.stream(OcrMode.values()).map(mode -> mode.name().toLowerCase(Locale.ROOT)).toList(),
                properties.ocr().languages(), Document.MAX_TITLE_LENGTH, List.of(Document.Status.values()));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).distinct().toList();
    }
}
