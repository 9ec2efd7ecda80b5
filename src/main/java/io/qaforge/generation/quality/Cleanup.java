package io.qaforge.generation.quality;

import java.util.regex.Pattern;

/**
 * Takes off what models leave around a question, an answer or a fact, wherever they leave it: list numbering, bullets,
 * {@code Q:}/{@code A:}/{@code Question:}/{@code Answer(s):} labels (also trailing ones), bold markers and brackets or
 * quotes around the whole text (not tags: {@code <value>} is markup, for the gate to reject), and control characters (PostgreSQL cannot store a NUL; the others only garble the
 * text). Line breaks inside a text stay.
 */
public final class Cleanup {

    private static final Pattern CONTROL = Pattern.compile("[\\p{Cc}&&[^\\n]]|[\\p{Cf}&&[^\\u200d]]");
    private static final Pattern NUMBERING = Pattern.compile("^(\\(?\\d{1,3}[.):\\]](?!\\d)|[-*•·]\\s|#+\\s)\\s*");
    /** "A." alone may open a name ("A. Lincoln"): a one-letter label needs its colon. */
    private static final Pattern LABEL = Pattern.compile(
            "^(\\*\\*|__)?\\s*((q|a)\\s*#?\\d{0,3}\\s*:|(questions?|answers?)\\s*#?\\d{0,3}\\s*[:.)-])\\s*(\\*\\*|__)?\\s*",
            Pattern.CASE_INSENSITIVE);
    /** "… Answers:" left after the last sentence; "Here are the questions and answers:" is a sentence of its own. */
    private static final Pattern TRAILING_LABEL = Pattern.compile(
            "(?<=[.!?\"')\\]])\\s*(\\*\\*|__)?\\s*(q|a|questions?|answers?)\\s*#?\\d{0,3}\\s*:\\s*(\\*\\*|__)?\\s*$", Pattern.CASE_INSENSITIVE);
    private static final String[][] WRAPPERS = {{"**", "**"}, {"__", "__"}, {"[", "]"}, {"(", ")"},
            {"\"", "\""}, {"\u201C", "\u201D"}, {"\u00AB", "\u00BB"}, {"'", "'"}, {"`", "`"}};

    private Cleanup() {
    }

    static String text(String text) {
        String cleaned = controlFree(text).strip();
        for (String before = null; !cleaned.equals(before); ) {
            before = cleaned;
            cleaned = unnumbered(cleaned);
            cleaned = LABEL.matcher(cleaned).replaceFirst("");
            cleaned = TRAILING_LABEL.matcher(cleaned).replaceFirst("");
            cleaned = unwrapped(cleaned).strip();
        }
        return cleaned;
    }

    static String controlFree(String text) {
        return CONTROL.matcher(text.replace('\t', ' ').replace("\r\n", "\n").replace('\r', '\n')).replaceAll("");
    }

    static String unnumbered(String text) {
        return NUMBERING.matcher(text).replaceFirst("");
    }

    /**
     * "[What is X?]" → "What is X?"; only a wrapper around the whole text, so "(a) and (b)" keeps its brackets, and
     * unbalanced markers stay for the truncation filter to see.
     */
    private static String unwrapped(String text) {
        for (String[] wrapper : WRAPPERS) {
            String open = wrapper[0], close = wrapper[1];
            if (text.length() > open.length() + close.length() + 1 && text.startsWith(open) && text.endsWith(close)) {
                String inner = text.substring(open.length(), text.length() - close.length());
                if (!inner.contains(open) && !inner.contains(close)) {
                    return inner;
                }
            }
        }
        return text;
    }
}
