package io.qaforge.generation.quality;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import io.qaforge.system.Sha256;

/**
 * Cheap rules that catch what an LLM gets wrong most often: empty, cut-off, over-long or question-less pairs. Each reject
 * has a reason that is stored with the pair and counted, so nothing is dropped silently.
 */
public final class PairFilter {

    static final int MIN_QUESTION_CHARS = 10;
    static final int MAX_QUESTION_CHARS = 500;
    static final int MAX_ANSWER_CHARS = 2000;

    /**
     * How a question without a question mark may start: a question word or a request. Not "In …" or "For …": those open
     * "In touch rugby, what …?", which has its mark; without one, they open a statement ("In particular, …").
     */
    private static final Set<String> INTERROGATIVES = Set.of("what", "which", "who", "whom", "whose", "when", "where",
            "why", "how", "is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "would", "will",
            "may", "must", "has", "have", "had", "name", "list", "describe", "explain", "define", "give", "state");
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

    private PairFilter() {
    }

    /** The reason to reject a pair, or null to accept it. Duplicates are found later, against the job's stored pairs. */
    static String rejectReason(PairParser.Pair pair) {
        String q = pair.question();
        String a = pair.answer();
        if (q.isBlank()) {
            return "empty";
        }
        if (a.isBlank()) {
            return "truncated"; // a question whose answer never came
        }
        if (unbalanced(q) || unbalanced(a) || a.strip().endsWith(":")) {
            return "truncated"; // cut off inside a quote or a bracket, or before what "Here is the code:" announced
        }
        if (q.length() < MIN_QUESTION_CHARS) {
            return "too_short";
        }
        if (q.length() > MAX_QUESTION_CHARS || a.length() > MAX_ANSWER_CHARS) {
            return "too_long";
        }
        if (normalise(q).equals(normalise(a))) {
            return "answer_equals_question";
        }
        if (!q.contains("?") && !INTERROGATIVES.contains(firstWord(q))) {
            return "no_question";
        }
        return null;
    }

    public static String normalise(String text) {
        return NON_WORD.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ").strip();
    }

    /** 64 bits of SHA-256 over the normalised pair: equal keys mean the same pair up to case, spacing and punctuation. */
    public static long dedupeKey(PairParser.Pair pair) {
        byte[] digest = Sha256.of((normalise(pair.question()) + "\n" + normalise(pair.answer())).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(digest).getLong();
    }

    private static boolean unbalanced(String text) {
        return count(text, '"') % 2 != 0 || count(text, '*') % 2 != 0 || text.split("\\*\\*", -1).length % 2 == 0
                || count(text, '\u201C') != count(text, '\u201D') || count(text, '(') != count(text, ')')
                || count(text, '[') != count(text, ']') || count(text, '{') != count(text, '}');
    }

    private static int count(String text, char c) {
        return (int) text.chars().filter(ch -> ch == c).count();
    }

    private static String firstWord(String text) {
        String normalised = normalise(text);
        int space = normalised.indexOf(' ');
        return space < 0 ? normalised : normalised.substring(0, space);
    }
}
