package io.qaforge.generation.quality;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A judge call's answer: per numbered pair, whether the text supports the answer, whether the question stands alone,
 * whether it is about the document, and a score from 1 to 5. Lines as {@code 2 | no | yes | yes | 1} (or JSON); a pair
 * the answer leaves out has no verdict and is not accepted.
 */
public final class Verdicts {

    public record Verdict(boolean supported, boolean selfContained, boolean aboutDocument, Integer score) {

        public boolean passed() {
            return supported && selfContained && aboutDocument;
        }

        /** The reject reason of a failed verdict: its first unmet criterion. */
        public String rejectReason() {
            return !supported ? "judge_unsupported" : !selfContained ? "judge_not_self_contained" : !aboutDocument ? "judge_off_topic" : null;
        }
    }

    public static final String NO_VERDICT = "judge_no_verdict";
    private static final Pattern LINE = Pattern.compile(
            "^\\W*(?:pair\\s*)?(\\d{1,3})\\W+(yes|no|true|false)\\W+(yes|no|true|false)\\W+(yes|no|true|false)(?:\\W+([1-5])\\b)?",
            Pattern.CASE_INSENSITIVE);

    private Verdicts() {
    }

    /** Verdicts by pair number (1-based), only for numbers 1 to {@code pairs}. */
    public static Map<Integer, Verdict> parse(JsonMapper mapper, String content, boolean json, int pairs) throws PairParser.Unparseable {
        String text = PairParser.stripReasoning(content == null ? "" : content).strip();
        Map<Integer, Verdict> verdicts = new LinkedHashMap<>();
        JsonNode root = json || text.startsWith("{") || text.startsWith("[") || text.startsWith("```") ? PairParser.json(mapper, text) : null;
        JsonNode items = root == null ? null : root.isArray() ? root : root.path("verdicts");
        if (items != null && items.isArray()) {
            for (JsonNode item : items) {
                int pair = item.path("pair").asInt(-1);
                JsonNode score = item.path("score");
                put(verdicts, pairs, pair, new Verdict(item.path("supported").asBoolean(false), item.path("selfContained").asBoolean(false),
                        item.path("aboutDocument").asBoolean(false), score.canConvertToInt() ? score.asInt() : null));
            }
        } else {
            for (String line : text.split("\\R")) {
                Matcher m = LINE.matcher(Cleanup.controlFree(line).strip());
                if (m.find()) {
                    put(verdicts, pairs, Integer.parseInt(m.group(1)), new Verdict(yes(m.group(2)), yes(m.group(3)), yes(m.group(4)),
                            m.group(5) == null ? null : Integer.parseInt(m.group(5))));
                }
            }
        }
        if (verdicts.isEmpty()) {
            throw new PairParser.Unparseable("no verdicts in the judge's answer");
        }
        return verdicts;
    }

    /** The first verdict for a pair counts: a model that repeats itself does not get to change its mind. */
    private static void put(Map<Integer, Verdict> verdicts, int pairs, int pair, Verdict verdict) {
        if (pair >= 1 && pair <= pairs) {
            verdicts.putIfAbsent(pair, verdict);
        }
    }

    private static boolean yes(String word) {
        return word.equalsIgnoreCase("yes") || word.equalsIgnoreCase("true");
    }
}
