package io.qaforge.generation;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Deflater;

/**
 * How varied a body of text is, in the two measures the study-document papers report:
 * <ul>
 * <li>distinct n-grams: distinct word unigrams and bigrams over all of them (1 when no word repeats; text that says
 * the same thing over and over falls towards 0);</li>
 * <li>the compression ratio, as SPA reports it to show SEAL's collapse (19.25 against 4.38): the text's UTF-8 bytes over
 * its DEFLATE size. Repetitive text compresses well, so higher means less varied; ordinary prose is about 2.5 to 4.</li>
 * </ul>
 * Texts are added one at a time, and counting stops at {@link #MAX_WORDS}, so measuring a large job takes bounded memory.
 */
public final class Diversity {

    /**
     * @param texts       how many texts were measured (stopping at {@link #MAX_WORDS})
     * @param words       their words
     * @param distinct1   distinct words over words
     * @param distinct2   distinct word pairs over word pairs
     * @param compression UTF-8 bytes over DEFLATE bytes of the texts, one per line
     */
    public record Figure(long texts, long words, double distinct1, double distinct2, double compression) {
    }

    /** @param pairs each accepted pair's question and answer; @param passages accepted study passages; null where none */
    public record Figures(Figure pairs, Figure passages) {
    }

    /** Enough words for a stable figure (SPA measures a few thousand passages); a larger job is measured on its first. */
    static final int MAX_WORDS = 2_000_000;
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    private final Set<String> unigrams = new HashSet<>();
    private final Set<Long> bigrams = new HashSet<>();
    private final Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    private final byte[] buffer = new byte[64 * 1024];
    private long texts, words, pairs, bytes, compressed;

    /** Adds a text; false once the measure is full and further texts are left out. */
    public boolean add(String text) {
        if (words >= MAX_WORDS) {
            return false;
        }
        texts++;
        String previous = null;
        for (Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT)); m.find(); ) {
            String word = m.group();
            words++;
            unigrams.add(word);
            if (previous != null) {
                pairs++;
                bigrams.add((long) previous.hashCode() << 32 | (word.hashCode() & 0xffffffffL));
            }
            previous = word;
        }
        byte[] utf8 = (text + "\n").getBytes(StandardCharsets.UTF_8);
        bytes += utf8.length;
        deflater.setInput(utf8);
        while (!deflater.needsInput()) {
            compressed += deflater.deflate(buffer, 0, buffer.length, Deflater.NO_FLUSH);
        }
        return true;
    }

    /** The figure of the texts added; null for none. Ends the measure. */
    public Figure figure() {
        deflater.finish();
        while (!deflater.finished()) {
            compressed += deflater.deflate(buffer);
        }
        deflater.end();
        if (texts == 0) {
            return null;
        }
        return new Figure(texts, words, ratio(unigrams.size(), words), ratio(bigrams.size(), pairs),
                round(compressed == 0 ? 0 : (double) bytes / compressed));
    }

    /** The figure of some texts at once. */
    static Figure of(Iterable<String> texts) {
        Diversity diversity = new Diversity();
        for (String text : texts) {
            if (!diversity.add(text)) {
                break;
            }
        }
        return diversity.figure();
    }

    private static double ratio(long distinct, long total) {
        return total == 0 ? 1 : round((double) distinct / total);
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
