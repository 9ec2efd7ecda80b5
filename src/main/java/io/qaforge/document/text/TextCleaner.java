package io.qaforge.document.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import io.qaforge.document.extraction.PdfExtractor;

/**
 * Turns raw extracted text into clean prose: NFKC (ligatures such as "ﬁ" become "fi"), running headers and footers and
 * bare page numbers dropped, words hyphenated across line breaks joined, whitespace collapsed, paragraph breaks
 * ({@code "\n\n"}) kept.
 */
public final class TextCleaner {

    private static final Pattern HORIZONTAL_SPACE = Pattern.compile("[\\p{Zs}\\t\\x0B]+");
    private static final Pattern INVISIBLE = Pattern.compile("[\\u00AD\\u200B\\u200C\\u200D\\u2060\\uFEFF\\x00-\\x08\\x0E-\\x1F\\x7F]");
    private static final Pattern PAGE_NUMBER = Pattern.compile(
            "(?i)(page\\s*)?([0-9]{1,5}|[ivxlcdm]{1,8})(\\s*(of|/)\\s*[0-9]{1,5})?|[-–—]\\s*[0-9]{1,5}\\s*[-–—]");
    private static final int EDGE_PASSES = 2;
    private static final int MIN_REPEATS = 3;

    private TextCleaner() {
    }

    static CleanText cleanPdfPages(List<String> rawPages) {
        return cleanPdfPages(rawPages, new BitSet());
    }

    /** @param ocrPages pages (0-based) whose raw text came from OCR: noted in the result, cleaned like the rest */
    public static CleanText cleanPdfPages(List<String> rawPages, BitSet ocrPages) {
        // Pages are cleaned on all cores, but for the running lines, which are found across them.
        List<List<Line>> pages = rawPages.parallelStream().map(TextCleaner::toLines).toList();
        dropRunningHeadersAndPageNumbers(pages);
        List<String> pageTexts = pages.parallelStream().map(TextCleaner::joinParagraphs).toList();
        return assemble(pageTexts, true, ocrPages);
    }

    public static CleanText cleanPlainText(String raw) {
        String[] rawPages = normalize(raw).split("\f", -1);
        List<String> pageTexts = new ArrayList<>();
        for (String page : rawPages) {
            StringBuilder text = new StringBuilder();
            for (String line : page.split("\n", -1)) {
                // Leading indentation carries meaning in Markdown (code, nested lists): keep it, squeeze the rest.
                int indent = 0;
                while (indent < line.length() && (line.charAt(indent) == ' ' || line.charAt(indent) == '\t')) {
                    indent++;
                }
                String body = HORIZONTAL_SPACE.matcher(line.substring(indent)).replaceAll(" ").strip();
                text.append(body.isEmpty() ? "" : line.substring(0, indent).replace('\t', ' ') + body).append('\n');
            }
            pageTexts.add(text.toString().replaceAll("\n{3,}", "\n\n").strip());
        }
        return assemble(pageTexts, false, new BitSet());
    }

    private static String normalize(String raw) {
        String text = Normalizer.normalize(raw, Normalizer.Form.NFKC);
        text = text.replace("\r\n", "\n").replace('\r', '\n');
        return INVISIBLE.matcher(text).replaceAll("");
    }

    private record Line(String text, boolean paragraphStart) {
        boolean blank() {
            return text.isEmpty();
        }
    }

    /**
     * One pass over the page (after NFKC) doing what {@link #normalize} and {@link #HORIZONTAL_SPACE} do for plain
     * text: invisible characters dropped, runs of horizontal space (paragraph marks included) squeezed to one.
     */
    private static List<Line> toLines(String rawPage) {
        String page = Normalizer.normalize(rawPage, Normalizer.Form.NFKC);
        List<Line> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        boolean paragraphStart = false;
        boolean inSpace = false;
        for (int i = 0; i <= page.length(); i++) {
            char c = i < page.length() ? page.charAt(i) : '\n';
            if (c == '\n' || c == '\r') {
                lines.add(new Line(line.toString().strip(), paragraphStart));
                line.setLength(0);
                paragraphStart = inSpace = false;
                if (c == '\r' && i + 1 < page.length() && page.charAt(i + 1) == '\n') {
                    i++;
                }
            } else if (c == PdfExtractor.PARAGRAPH || c == '\t' || c == '\u000B' || Character.getType(c) == Character.SPACE_SEPARATOR) {
                paragraphStart |= c == PdfExtractor.PARAGRAPH;
                if (!inSpace) {
                    line.append(' ');
                    inSpace = true;
                }
            } else if (!isInvisible(c)) {
                line.append(c);
                inSpace = false;
            }
        }
        return lines;
    }

    /** What {@link #INVISIBLE} matches. */
    private static boolean isInvisible(char c) {
        return c <= '\u0008' || c >= '\u000E' && c <= '\u001F' || c == '\u007F' || c == '\u00AD'
                || c >= '\u200B' && c <= '\u200D' || c == '\u2060' || c == '\uFEFF';
    }

    /**
     * A line is a running header or footer when, digits aside, it is the outermost line at the top or bottom of at
     * least three pages and mostly stands there rather than in the body (so a repeated body heading survives).
     * Two passes peel a header that sits above a second running line (title over chapter name).
     */
    private static void dropRunningHeadersAndPageNumbers(List<List<Line>> pages) {
        Map<String, Integer> anywhere = new HashMap<>();
        for (List<Line> page : pages) {
            for (Line line : page) {
                if (!line.blank()) {
                    anywhere.merge(key(line), 1, Integer::sum);
                }
            }
        }
        for (int pass = 0; pass < EDGE_PASSES; pass++) {
            Map<String, Integer> atEdge = new HashMap<>();
            for (List<Line> page : pages) {
                edgeIndexes(page).stream().map(i -> key(page.get(i))).distinct().forEach(key -> atEdge.merge(key, 1, Integer::sum));
            }
            for (List<Line> page : pages) {
                for (int index : edgeIndexes(page)) {
                    Line line = page.get(index);
                    int edgeCount = atEdge.getOrDefault(key(line), 0);
                    boolean running = edgeCount >= MIN_REPEATS && edgeCount * 2 >= anywhere.get(key(line));
                    if (running || PAGE_NUMBER.matcher(line.text()).matches()) {
                        page.set(index, new Line("", line.paragraphStart()));
                    }
                }
            }
        }
    }

    /** The first and the last non-blank line of a page. */
    private static List<Integer> edgeIndexes(List<Line> page) {
        int first = 0;
        while (first < page.size() && page.get(first).blank()) {
            first++;
        }
        int last = page.size() - 1;
        while (last > first && page.get(last).blank()) {
            last--;
        }
        if (first >= page.size()) {
            return List.of();
        }
        return first == last ? List.of(first) : List.of(first, last);
    }

    /** The line in lower case with every run of digits as one '#'. */
    private static String key(Line line) {
        String lower = line.text().toLowerCase(Locale.ROOT);
        StringBuilder key = new StringBuilder(lower.length());
        for (int i = 0; i < lower.length(); i++) {
            char c = lower.charAt(i);
            if (c < '0' || c > '9') {
                key.append(c);
            } else if (i == 0 || lower.charAt(i - 1) < '0' || lower.charAt(i - 1) > '9') {
                key.append('#');
            }
        }
        return key.toString();
    }

    private static String joinParagraphs(List<Line> lines) {
        List<String> paragraphs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean afterBlank = true;
        for (Line line : lines) {
            if (line.blank()) {
                afterBlank = true;
                continue;
            }
            // A word hyphenated at a paragraph's end continues it (OCR often sees a paragraph gap there).
            boolean continues = endsWithBrokenWord(current) && Character.isLowerCase(line.text().codePointAt(0));
            if ((line.paragraphStart() || afterBlank) && !current.isEmpty() && !continues) {
                paragraphs.add(current.toString());
                current.setLength(0);
            }
            appendJoined(current, line.text());
            afterBlank = false;
        }
        if (!current.isEmpty()) {
            paragraphs.add(current.toString());
        }
        return String.join("\n\n", paragraphs);
    }

    /** Appends a continuation line, joining "infor-" + "mation" back into one word. */
    private static void appendJoined(StringBuilder text, String next) {
        if (text.isEmpty()) {
            text.append(next);
        } else if (endsWithBrokenWord(text) && Character.isLowerCase(next.codePointAt(0))) {
            text.setLength(text.length() - 1);
            text.append(next);
        } else {
            text.append(' ').append(next);
        }
    }

    private static boolean endsWithBrokenWord(CharSequence text) {
        int n = text.length();
        return n >= 2 && text.charAt(n - 1) == '-' && Character.isLetter(text.charAt(n - 2));
    }

    /** Joins pages; with {@code flowAcrossPages} a sentence or word cut by a page break is mended. */
    private static CleanText assemble(List<String> pageTexts, boolean flowAcrossPages, BitSet ocrPages) {
        StringBuilder text = new StringBuilder();
        int[] starts = new int[pageTexts.size()];
        for (int i = 0; i < pageTexts.size(); i++) {
            String page = pageTexts.get(i);
            if (!page.isEmpty() && !text.isEmpty()) {
                boolean continues = flowAcrossPages && Character.isLowerCase(page.codePointAt(0));
                if (continues && endsWithBrokenWord(text)) {
                    text.setLength(text.length() - 1);
                } else {
                    text.append(continues ? " " : "\n\n");
                }
            }
            starts[i] = text.length();
            text.append(page);
        }
        return new CleanText(text.toString(), starts, ocrPages);
    }
}
