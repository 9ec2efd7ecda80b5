package io.qaforge.document.text;

import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.qaforge.document.TokenCounter;

/**
 * Cuts clean text into chunks of about {@code targetTokens}, never above {@code maxTokens}: whole paragraphs where
 * they fit, else sentences, else runs of words; never inside a word (unless one "word" alone outgrows a chunk).
 * A table (a paragraph of {@code | cell | cell |} lines) is cut only between rows: a row stays whole up to the maximum.
 * A small trailing fragment is merged into (or balanced with) the chunk before it. Same input, same chunks.
 */
public final class Chunker {

    public record Piece(int from, int to, int tokens) {
    }

    private final TokenCounter tokens;
    private final int targetTokens;
    private final int maxTokens;

    public Chunker(TokenCounter tokens, int targetTokens, int maxTokens) {
        this.tokens = tokens;
        this.targetTokens = targetTokens;
        this.maxTokens = maxTokens;
    }

    /** @return chunk spans over {@code text}, in order, each trimmed of surrounding whitespace */
    public List<Piece> chunk(String text) {
        // Tokenizing dominates chunking time: each paragraph is counted once, on all cores, and pieces joined later
        // are counted from their parts (join), not again.
        List<Piece> units = paragraphs(text).parallelStream()
                .flatMap(paragraph -> fit(text, span(text, paragraph.from(), paragraph.to())).stream())
                .toList();
        return balanceTail(text, pack(text, units));
    }

    /** Breaks a unit that is too large into sentences, then words, then (last resort) characters. */
    private List<Piece> fit(String text, Piece unit) {
        if (unit.tokens() <= targetTokens) {
            return List.of(unit);
        }
        if (isTable(text, unit)) {
            List<Piece> rows = rows(text, unit);
            if (rows.size() > 1) {
                List<Piece> fitted = new ArrayList<>();
                for (Piece row : rows) {
                    fitted.addAll(row.tokens() <= maxTokens ? List.of(row) : fit(text, row));
                }
                return pack(text, fitted);
            }
            if (unit.tokens() <= maxTokens) {
                return List.of(unit);
            }
        }
        List<Piece> smaller = sentences(text, unit);
        if (smaller.size() <= 1) {
            smaller = words(text, unit);
        }
        if (smaller.size() <= 1) {
            return characters(text, unit);
        }
        List<Piece> fitted = new ArrayList<>();
        for (Piece piece : smaller) {
            fitted.addAll(fit(text, piece));
        }
        return pack(text, fitted);
    }

    /** Greedily joins consecutive units while the result stays within the target. */
    private List<Piece> pack(String text, List<Piece> units) {
        List<Piece> chunks = new ArrayList<>();
        Piece current = null;
        for (Piece unit : units) {
            if (current != null) {
                Piece joined = join(text, current, unit);
                if (joined.tokens() <= targetTokens) {
                    current = joined;
                    continue;
                }
                chunks.add(current);
            }
            current = unit;
        }
        if (current != null) {
            chunks.add(current);
        }
        return chunks;
    }

    /** A last chunk under a quarter of the target is merged into its predecessor, or the two are evened out. */
    private List<Piece> balanceTail(String text, List<Piece> chunks) {
        int n = chunks.size();
        if (n < 2 || chunks.get(n - 1).tokens() >= targetTokens / 4) {
            return chunks;
        }
        Piece previous = chunks.get(n - 2);
        Piece last = chunks.get(n - 1);
        List<Piece> result = new ArrayList<>(chunks.subList(0, n - 2));
        Piece merged = join(text, previous, last);
        if (merged.tokens() <= maxTokens) {
            result.add(merged);
            return result;
        }
        // Too big to merge: move the split point back to a boundary near the middle of both.
        int half = merged.tokens() / 2;
        int splitAt = previous.to();
        Piece head = null;
        for (Piece word : words(text, merged)) {
            head = head == null ? word : join(text, head, word);
            if (!insideTableRow(text, word.to()) && head.tokens() >= half) {
                splitAt = word.to();
                break;
            }
        }
        result.add(span(text, merged.from(), splitAt));
        result.add(span(text, splitAt, merged.to()));
        return result;
    }

    /** A paragraph whose every line is a table row. */
    private static boolean isTable(String text, Piece unit) {
        for (String line : text.substring(unit.from(), unit.to()).split("\n")) {
            if (!isRow(line)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRow(String line) {
        String row = line.strip();
        return row.length() >= 2 && row.startsWith("|") && row.endsWith("|");
    }

    /** Whether {@code offset} falls inside (not at the end of) a table row's line. */
    private static boolean insideTableRow(String text, int offset) {
        int start = text.lastIndexOf('\n', offset - 1) + 1;
        int end = text.indexOf('\n', offset);
        end = end < 0 ? text.length() : end;
        return offset < end && isRow(text.substring(start, end));
    }

    private List<Piece> rows(String text, Piece unit) {
        List<Piece> rows = new ArrayList<>();
        int from = unit.from();
        while (from < unit.to()) {
            int end = text.indexOf('\n', from);
            end = end < 0 || end > unit.to() ? unit.to() : end;
            Piece row = trimmed(text, from, end);
            if (row != null) {
                rows.add(row);
            }
            from = end + 1;
        }
        return rows;
    }

    private List<Piece> sentences(String text, Piece unit) {
        BreakIterator iterator = BreakIterator.getSentenceInstance(Locale.ROOT);
        return boundaries(text, unit, iterator);
    }

    private List<Piece> words(String text, Piece unit) {
        List<Piece> words = new ArrayList<>();
        int i = unit.from();
        while (i < unit.to()) {
            while (i < unit.to() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < unit.to() && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i > start) {
                words.add(span(text, start, i));
            }
        }
        return words;
    }

    private List<Piece> characters(String text, Piece unit) {
        List<Piece> pieces = new ArrayList<>();
        int from = unit.from();
        while (from < unit.to()) {
            int to = Math.min(unit.to(), from + targetTokens);
            // A token is at least one character, so targetTokens characters never exceed targetTokens tokens.
            if (Character.isHighSurrogate(text.charAt(to - 1)) && to < unit.to()) {
                to++;
            }
            pieces.add(span(text, from, to));
            from = to;
        }
        return pieces;
    }

    private List<Piece> boundaries(String text, Piece unit, BreakIterator iterator) {
        iterator.setText(text.substring(unit.from(), unit.to()));
        List<Piece> pieces = new ArrayList<>();
        int start = iterator.first();
        for (int end = iterator.next(); end != BreakIterator.DONE; start = end, end = iterator.next()) {
            Piece piece = trimmed(text, unit.from() + start, unit.from() + end);
            if (piece != null) {
                pieces.add(piece);
            }
        }
        return pieces;
    }

    /** Spans between blank lines, not yet counted. */
    private static List<Piece> paragraphs(String text) {
        List<Piece> pieces = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf("\n\n", start);
            if (end < 0) {
                end = text.length();
            }
            if (!text.substring(start, end).isBlank()) {
                pieces.add(new Piece(start, end, -1));
            }
            start = end + 2;
        }
        return pieces;
    }

    private Piece trimmed(String text, int from, int to) {
        while (from < to && Character.isWhitespace(text.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
            to--;
        }
        return from < to ? new Piece(from, to, tokens.count(text.substring(from, to))) : null;
    }

    private Piece span(String text, int from, int to) {
        Piece piece = trimmed(text, from, to);
        return piece != null ? piece : new Piece(from, from, 0);
    }

    /**
     * The span from {@code left}'s start to {@code right}'s end, counted exactly from the counts of the two and of the
     * few words around the joint. Before BPE, every encoding splits text into pieces by a pattern that never puts a
     * space together with the character before it (a space only ever starts a piece, or sits in a run of whitespace):
     * so at a space that follows a visible character the text splits into parts whose counts add up. The joint is
     * counted between the last such cut in {@code left} (or right after it: words and sentences joined by a space)
     * and the first in {@code right}.
     */
    private Piece join(String text, Piece left, Piece right) {
        int leftCut = left.to();
        while (leftCut > left.from() && !isCut(text, leftCut)) {
            leftCut--;
        }
        int rightCut = right.from() + 1;
        while (rightCut < right.to() && !isCut(text, rightCut)) {
            rightCut++;
        }
        int leftTail = leftCut == left.from() ? left.tokens() : leftCut == left.to() ? 0 : count(text, leftCut, left.to());
        int rightHead = rightCut >= right.to() ? right.tokens() : count(text, right.from(), rightCut);
        int joint = count(text, leftCut, Math.min(rightCut, right.to()));
        return new Piece(left.from(), right.to(), left.tokens() - leftTail + joint - rightHead + right.tokens());
    }

    /** A space after a character that no pattern counts as whitespace (ASCII, a letter or a digit): a cut, see join. */
    private static boolean isCut(String text, int at) {
        char before = text.charAt(at - 1);
        return at < text.length() && text.charAt(at) == ' ' && (before > ' ' && before < 0x7F || Character.isLetterOrDigit(before));
    }

    private int count(String text, int from, int to) {
        return tokens.count(text.substring(from, to));
    }
}
