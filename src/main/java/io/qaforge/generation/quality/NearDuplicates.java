package io.qaforge.generation.quality;

import java.util.HashSet;
import java.util.Set;

/**
 * When two questions say the same: the Jaccard similarity of their word 3-shingles (after {@link PairFilter#normalise})
 * reaches {@link #THRESHOLD}. The same words with other punctuation and case give 1; a word added at the end of a
 * question of 15 words about 0.9; one word changed in its middle 0.6 (a rephrasing, kept). Questions too short for a
 * shingle compare as word sets. Used within a fact (or chunk) to reject copies, and between train and test to remove
 * leaks.
 */
public final class NearDuplicates {

    static final double THRESHOLD = 0.8;
    private static final int SHINGLE = 3;

    private NearDuplicates() {
    }

    /** The text's shingles, each a hash of its words (a collision only makes two questions look a little closer). */
    public static Set<Long> shingles(String text) {
        String[] words = PairFilter.normalise(text).split(" ");
        Set<Long> shingles = new HashSet<>();
        if (words.length < SHINGLE) {
            for (String word : words) {
                shingles.add((long) word.hashCode());
            }
            return shingles;
        }
        for (int i = 0; i + SHINGLE <= words.length; i++) {
            long hash = 1;
            for (int j = i; j < i + SHINGLE; j++) {
                hash = hash * 1_000_003L + words[j].hashCode();
            }
            shingles.add(hash);
        }
        return shingles;
    }

    static double jaccard(Set<Long> a, Set<Long> b) {
        if (a.isEmpty() && b.isEmpty()) {
            return 1;
        }
        int shared = 0;
        for (long shingle : a.size() <= b.size() ? a : b) {
            if ((a.size() <= b.size() ? b : a).contains(shingle)) {
                shared++;
            }
        }
        return (double) shared / (a.size() + b.size() - shared);
    }

    public static boolean near(Set<Long> a, Set<Long> b) {
        return jaccard(a, b) >= THRESHOLD;
    }
}
