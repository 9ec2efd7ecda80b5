package io.qaforge.document.extraction;

import java.util.List;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Why a file cannot be read, in the user's words. The parsers (PDFBox, POI, Tika, the JDK's ZIP and XML readers) say it
 * in exception messages written for programmers, class names and all: the causes known here become a sentence about
 * the file, anything else a general one, and the exception itself goes to the log only.
 */
public final class Unreadable {

    private static final Logger log = LoggerFactory.getLogger(Unreadable.class);

    static final String DTD = "the document declares a DTD (a <!DOCTYPE> with declarations of its own), which is not accepted";

    private record Cause(Pattern message, String sentence) {
        Cause(String message, String sentence) {
            this(Pattern.compile(message, Pattern.CASE_INSENSITIVE), sentence);
        }
    }

    /** Matched against the messages of the whole cause chain, first match wins. */
    private static final List<Cause> KNOWN = List.of(
            new Cause("DOCTYPE is disallowed|DOCTYPE.*not allowed|disallow-doctype-decl", DTD),
            new Cause("entity|entities", "the document declares XML entities, which are not accepted"),
            new Cause("Maximum size of image exceeded", "a page is too large to render for OCR (over two billion pixels at the "
                    + "OCR resolution; a page of 200 × 200 inches is)"),
            new Cause("zip END header|CEN header|LOC header|invalid stored block|invalid distance|unexpected EOF|"
                    + "Truncated ZIP|ZipException|not a zip|Zip bomb", "the ZIP archive is damaged or cut short"),
            new Cause("End-of-File|Premature end|Unexpected end|EOFException", "the file ends before its content does (cut short?)"),
            new Cause("startxref|xref|trailer|versioninfo|Header doesn't contain", "its structure (the PDF header or "
                    + "cross-reference table) is damaged"),
            new Cause("not well-formed|Content is not allowed in prolog|Unexpected character|XmlException|SAXParseException|"
                    + "must be terminated|must be followed", "its XML is not well-formed"),
            new Cause("No valid entries or contents found|not a valid OOXML|No core document part|NotOfficeXml|"
                    + "container\\.xml|rootfile|OPF", "a part every such document must have is missing or damaged"));

    private static final String UNKNOWN = "its content is damaged, or built in a way this service does not read";

    private Unreadable() {
    }

    /**
     * The problem for a file that looked like {@code what} but could not be read.
     *
     * @param what how it looked, for the sentence ("a PDF", "DOCX")
     */
    public static ApiProblem problem(ProblemType type, String title, String what, Throwable e) {
        log.warn("Cannot read a file that looks like {}", what, e);
        String reason = reason(e);
        if (reason.equals(DTD)) {
            return dtd(what);
        }
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, type, title, "The file looks like " + what + " but cannot be read: " + reason);
    }

    /** Refused for its DTD, which entity expansion (billion laughs) and external entities (XXE) hide in. */
    public static ApiProblem dtd(String what) {
        return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.DTD_NOT_ACCEPTED, "DTD not accepted",
                "The file looks like " + what + " but is not read: " + DTD);
    }

    private static String reason(Throwable e) {
        StringBuilder messages = new StringBuilder();
        for (Throwable cause = e; cause != null && messages.length() < 10_000; cause = cause.getCause()) {
            messages.append(cause.getClass().getName()).append(": ").append(cause.getMessage()).append('\n');
        }
        for (Cause known : KNOWN) {
            if (known.message().matcher(messages).find()) {
                return known.sentence();
            }
        }
        return UNKNOWN;
    }
}
