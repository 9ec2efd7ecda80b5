package io.qaforge.document.upload;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;

import io.qaforge.document.extraction.Unreadable;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/** What an upload really is, judged by its bytes: the file name only tells Markdown from plain text. */
public enum MediaKind {
    PDF("application/pdf"), TEXT("text/plain"), MARKDOWN("text/markdown"), HTML("text/html"), XHTML("application/xhtml+xml"),
    DOCX("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ODT("application/vnd.oasis.opendocument.text"), EPUB("application/epub+zip");

    /** Containers whose contents decide the kind: see {@link Archives}. */
    enum Container { ZIP, OLE2 }

    private static final Pattern OWN_DTD = Pattern.compile("<!doctype[^>\\[]*\\[");

    public final String mediaType;

    MediaKind(String mediaType) {
        this.mediaType = mediaType;
    }

    public static MediaKind fromMediaType(String mediaType) {
        for (MediaKind kind : values()) {
            if (kind.mediaType.equals(mediaType)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("Unknown media type " + mediaType);
    }

    /** A ZIP archive (DOCX, ODT, EPUB) or an OLE2 compound file (legacy or encrypted Office), else null. */
    static Container container(byte[] head, int length) {
        if (startsWith(head, length, 'P', 'K', 3, 4) || startsWith(head, length, 'P', 'K', 5, 6)) {
            return Container.ZIP;
        }
        if (startsWith(head, length, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
            return Container.OLE2;
        }
        return null;
    }

    /**
     * The kind of a file that is not a container.
     *
     * @param head the first bytes of the file (a few KiB suffice)
     */
    static MediaKind sniff(byte[] head, int length, String fileName) {
        // The PDF spec lets the header float within the first 1024 bytes (some generators prepend junk).
        String start = new String(head, 0, Math.min(length, 1024), StandardCharsets.ISO_8859_1);
        if (start.contains("%PDF-")) {
            return PDF;
        }
        String lead = new String(head, 0, length, StandardCharsets.ISO_8859_1).replaceFirst("^\u00EF\u00BB\u00BF", "")
                .stripLeading().toLowerCase(Locale.ROOT);
        // Markup is recognised before the UTF-8 check: HTML declares its own charset, which the HTML parser honours.
        if (lead.startsWith("<?xml") || lead.startsWith("<html") && lead.contains("http://www.w3.org/1999/xhtml")) {
            if (lead.contains("<html")) {
                return refuseOwnDtd(XHTML, lead);
            }
            throw unsupported("The file is XML but not XHTML; upload a PDF, Word (DOCX), OpenDocument text (ODT), "
                    + "HTML, EPUB, plain text or Markdown");
        }
        if (lead.startsWith("<!doctype html") || lead.startsWith("<html") || lead.startsWith("<head") || lead.startsWith("<body")
                || lead.startsWith("<!--") && lead.contains("<html")) {
            return refuseOwnDtd(HTML, lead);
        }
        if (!looksLikeUtf8Text(head, length)) {
            throw unsupported("The file is not a PDF, Word (DOCX), OpenDocument text (ODT), HTML, EPUB, "
                    + "nor UTF-8 plain text or Markdown");
        }
        String name = fileName.toLowerCase(Locale.ROOT);
        return name.endsWith(".md") || name.endsWith(".markdown") ? MARKDOWN : TEXT;
    }

    /**
     * A DOCTYPE with declarations of its own ({@code <!DOCTYPE html [ <!ENTITY ...> ]>}) is refused, as in DOCX: the
     * HTML parser would not expand them but read them as text, and nothing a page needs lives there.
     */
    private static MediaKind refuseOwnDtd(MediaKind kind, String lead) {
        if (OWN_DTD.matcher(lead).find()) {
            throw Unreadable.dtd(kind.name());
        }
        return kind;
    }

    private static boolean startsWith(byte[] head, int length, int... magic) {
        if (length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
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

    public static ApiProblem unsupported(String detail) {
        return new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, ProblemType.UNSUPPORTED_MEDIA_TYPE, "Unsupported file type", detail);
    }
}
