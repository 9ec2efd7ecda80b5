package io.qaforge.document.extraction;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.apache.tika.parser.epub.EpubParser;
import org.apache.tika.parser.html.DefaultHtmlMapper;
import org.apache.tika.parser.html.HtmlMapper;
import org.apache.tika.parser.html.JSoupParser;
import org.apache.tika.parser.microsoft.ooxml.OOXMLParser;
import org.apache.tika.parser.odf.OpenDocumentParser;
import org.springframework.http.HttpStatus;
import org.xml.sax.Attributes;
import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import io.qaforge.document.upload.Archives;
import io.qaforge.document.upload.MediaKind;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Word, OpenDocument, HTML and EPUB to raw text through Apache Tika, whose parsers all speak the same XHTML: headings,
 * paragraphs and list items become paragraphs, each table row one line of cells ({@code | a | b |}), and scripts,
 * styles and navigation are dropped. It runs in a child JVM ({@link RichTextProcess}): what a parser builds from a
 * hostile file can exhaust only that JVM's heap.
 */
class RichTextExtractor {

    private final long maxDocumentChars;

    RichTextExtractor(long maxDocumentChars) {
        this.maxDocumentChars = maxDocumentChars;
    }

    String extract(Path file, MediaKind kind) {
        Parser parser = switch (kind) {
            case DOCX -> new OOXMLParser();
            case ODT -> new OpenDocumentParser();
            case EPUB -> new EpubParser();
            case HTML, XHTML -> new JSoupParser();
            default -> throw new IllegalArgumentException("Not a rich text kind: " + kind);
        };
        var context = new ParseContext();
        context.set(HtmlMapper.class, new ContentOnlyHtmlMapper());
        context.set(Parser.class, parser);
        var text = new TextHandler(maxDocumentChars);
        try (InputStream in = TikaInputStream.get(file)) {
            parser.parse(in, text, new Metadata(), context);
        } catch (IOException | SAXException | TikaException | RuntimeException e) {
            throw failure(e, kind);
        }
        return text.toString();
    }

    private static RuntimeException failure(Throwable e, MediaKind kind) {
        // Parsers wrap what the handler throws: the limit's own problem is somewhere down the chain.
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ApiProblem problem) {
                return problem;
            }
            if (cause instanceof EncryptedDocumentException
                    || cause instanceof org.apache.poi.EncryptedDocumentException) {
                return Archives.encrypted();
            }
        }
        return Unreadable.problem(ProblemType.CORRUPT_DOCUMENT, "Corrupt document", kind.name(), e);
    }

    /** Tika's HTML mapping, less the parts of a page that are not its content. */
    private static final class ContentOnlyHtmlMapper extends DefaultHtmlMapper {
        private static final Set<String> DROPPED = Set.of("nav", "noscript", "template", "script", "style");

        @Override
        public boolean isDiscardElement(String name) {
            return DROPPED.contains(name.toLowerCase(Locale.ROOT)) || super.isDiscardElement(name);
        }
    }

    /** Builds the text from Tika's XHTML events, counting characters against the document limit as they come. */
    private static final class TextHandler extends DefaultHandler {
        private static final Set<String> BLOCKS = Set.of("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "blockquote",
                "pre", "dt", "dd", "section", "article", "ul", "ol", "dl", "header", "footer", "main", "aside", "figure",
                "figcaption", "caption", "address", "hr");
        private static final Set<String> SKIPPED = Set.of("head", "title", "script", "style", "nav");

        private final long maxChars;
        private final StringBuilder out = new StringBuilder();
        private long chars;
        private int skipped;
        private int pre;
        private int tableDepth;
        private List<String> row;
        private StringBuilder cell;

        TextHandler(long maxChars) {
            this.maxChars = maxChars;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes) {
            String name = name(localName, qName);
            if (SKIPPED.contains(name)) {
                skipped++;
            } else if (name.equals("table")) {
                if (++tableDepth == 1) {
                    paragraphBreak();
                }
            } else if (tableDepth == 1 && name.equals("tr")) {
                row = new ArrayList<>();
            } else if (tableDepth == 1 && (name.equals("td") || name.equals("th"))) {
                cell = new StringBuilder();
            } else if (cell != null) {
                // Structure inside a cell (paragraphs, nested tables) flattens to spaces: the row stays one line.
                if (BLOCKS.contains(name) || name.equals("br") || name.equals("td") || name.equals("th")) {
                    cell.append(' ');
                }
            } else if (BLOCKS.contains(name)) {
                if (name.equals("pre")) {
                    pre++;
                }
                paragraphBreak();
            } else if (name.equals("br")) {
                append("\n");
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            String name = name(localName, qName);
            if (SKIPPED.contains(name)) {
                skipped--;
            } else if (name.equals("table")) {
                if (--tableDepth == 0) {
                    paragraphBreak();
                }
            } else if (tableDepth == 1 && (name.equals("td") || name.equals("th")) && cell != null) {
                if (row != null) {
                    row.add(cell.toString().replaceAll("\\s+", " ").strip().replace("|", "\\|"));
                }
                cell = null;
            } else if (tableDepth == 1 && name.equals("tr") && row != null) {
                if (row.stream().anyMatch(value -> !value.isEmpty())) {
                    append("| " + String.join(" | ", row) + " |\n");
                }
                row = null;
            } else if (cell == null && BLOCKS.contains(name)) {
                if (name.equals("pre")) {
                    pre--;
                }
                paragraphBreak();
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (skipped > 0) {
                return;
            }
            chars += length;
            if (chars > maxChars) {
                throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.DOCUMENT_TEXT_TOO_LARGE, "Too much text in the document",
                        "The document holds more than " + maxChars + " characters of text (the limit)");
            }
            if (cell != null) {
                cell.append(ch, start, length);
            } else if (tableDepth == 0) {
                String text = new String(ch, start, length);
                // Outside <pre>, line breaks in markup source are only spacing.
                append(pre > 0 ? text : text.replaceAll("[\\r\\n\\t]+", " "));
            }
        }

        @Override
        public void ignorableWhitespace(char[] ch, int start, int length) {
            characters(ch, start, length);
        }

        private void append(String text) {
            out.append(text);
        }

        private void paragraphBreak() {
            int n = out.length();
            if (n == 0 || n >= 2 && out.charAt(n - 1) == '\n' && out.charAt(n - 2) == '\n') {
                return;
            }
            out.append(out.charAt(n - 1) == '\n' ? "\n" : "\n\n");
        }

        private static String name(String localName, String qName) {
            return (localName == null || localName.isEmpty() ? qName : localName).toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
