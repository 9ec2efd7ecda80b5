package io.qaforge.generation.quality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Turns a model's answer into question/answer pairs. Models ignore format instructions in many small ways, so the
 * line parser accepts numbering, bullets, {@code Q:}/{@code A:} labels, bold markers, blank lines and a question with
 * its answer on one line, and {@link Cleanup} takes leftover numbering, labels and wrappers off every text; a trailing
 * question without its answer (output cut off) comes back with an empty answer so the filters count it. In fact jobs a
 * pair opens with the facts it tests and its direction, {@code [F2 reverse]}; where a model leaves that out, the pair
 * has no facts and no direction and the writer works them out.
 */
public final class PairParser {

    public record Pair(String question, String answer, List<Integer> facts, String direction) {
        Pair(String question, String answer) {
            this(question, answer, List.of(), null);
        }

        public Pair {
            facts = List.copyOf(facts);
        }
    }

    /** The answer holds no pairs at all: worth another call. */
    public static final class Unparseable extends Exception {
        Unparseable(String message) {
            super(message);
        }
    }

    // Reasoning models think aloud in tags before answering; an unclosed block means the answer never came.
    private static final Pattern REASONING = Pattern.compile(
            "<(think|thinking|reasoning|reflection)>.*?(</\\1>|\\z)", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern LEADING_CLOSE = Pattern.compile("^.*?</(think|thinking|reasoning)>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern LABEL = Pattern.compile(
            "^(\\*\\*|__)?\\s*(q|a|questions?|answers?)\\s*#?\\d{0,3}\\s*[:.)-]\\s*(\\*\\*|__)?\\s*", Pattern.CASE_INSENSITIVE);
    /** "What is X? A: It is Y." on one line. */
    private static final Pattern INLINE_ANSWER = Pattern.compile(
            "^(.+?\\?)\\s*(?:\\*\\*|__)?\\s*(?:a|answers?)\\s*#?\\d{0,3}\\s*[:.)-]\\s*(?:\\*\\*|__)?\\s*(.+)$", Pattern.CASE_INSENSITIVE);
    /** {@code [F2 reverse]}, {@code (F1, F3 forward)}, {@code F2 forward:}, {@code [Fact 2]} at the start of a line. */
    private static final Pattern TAG = Pattern.compile(
            "^(?:[\\[(]\\s*((?:(?:facts?|f)\\s*#?\\d{1,3}\\s*(?:[,;&/+]|and)?\\s*)+)(?:[-:,]?\\s*(forward|reverse))?\\s*[\\])]"
                    + "|((?:f\\s*\\d{1,3}\\s*(?:[,;&/+]|and)?\\s*)+)(forward|reverse)?\\s*[:.-])\\s*",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern TAG_NUMBER = Pattern.compile("\\d{1,3}");
    private static final Pattern FENCE = Pattern.compile("^```[a-zA-Z]*\\s*|\\s*```$");

    private PairParser() {
    }

    public static List<Pair> parse(JsonMapper mapper, String content, boolean json) throws Unparseable {
        String text = stripReasoning(content == null ? "" : content).strip();
        if (text.isEmpty()) {
            throw new Unparseable("empty answer");
        }
        List<Pair> pairs = json || text.startsWith("{") || text.startsWith("[") || text.startsWith("```") ? parseJson(mapper, text) : null;
        if (pairs == null) {
            pairs = parseLines(text);
        }
        if (pairs.stream().allMatch(pair -> pair.answer().isBlank())) {
            throw new Unparseable("no question/answer pairs in the answer");
        }
        return pairs;
    }

    static String stripReasoning(String content) {
        String text = REASONING.matcher(content).replaceAll("");
        // Some servers drop the opening tag and send only "...</think>answer".
        return LEADING_CLOSE.matcher(text).replaceFirst("");
    }

    /** The answer as JSON, or null when it is not the JSON we asked for. */
    static JsonNode json(JsonMapper mapper, String text) {
        try {
            return mapper.readTree(FENCE.matcher(text.strip()).replaceAll(""));
        } catch (Exception e) {
            return null;
        }
    }

    /** Null when the text is not the JSON we asked for, so the line parser gets a chance. */
    private static List<Pair> parseJson(JsonMapper mapper, String text) {
        JsonNode root = json(mapper, text);
        JsonNode items = root != null && root.isArray() ? root : root == null ? null : root.path("pairs");
        if (items == null || !items.isArray()) {
            return null;
        }
        List<Pair> pairs = new ArrayList<>();
        for (JsonNode item : items) {
            List<Integer> facts = new ArrayList<>();
            JsonNode named = item.has("facts") ? item.get("facts") : item.path("fact");
            for (JsonNode fact : named.isArray() ? named : List.of(named)) {
                Matcher number = TAG_NUMBER.matcher(fact.asString(""));
                if (number.find()) {
                    facts.add(Integer.parseInt(number.group()));
                }
            }
            pairs.add(new Pair(Cleanup.text(item.path("question").asString("")), Cleanup.text(item.path("answer").asString("")),
                    facts, direction(item.path("direction").asString(null))));
        }
        return pairs;
    }

    private static List<Pair> parseLines(String text) {
        List<Pair> pairs = new ArrayList<>();
        String question = null;
        StringBuilder answer = null;
        Tag tag = Tag.NONE;
        for (String line : lines(text)) {
            Character label = null;
            Matcher m = LABEL.matcher(line);
            if (m.find()) {
                label = Character.toLowerCase(m.group(2).charAt(0));
                line = line.substring(m.end()).strip();
            }
            Tag found = Tag.NONE;
            Matcher t = TAG.matcher(line);
            if (t.find()) {
                found = Tag.of(t);
                line = line.substring(t.end()).strip();
            }
            line = Cleanup.text(line);
            if (line.isEmpty() || (label == null && question == null && line.endsWith(":"))) {
                continue; // nothing left, or a preamble such as "Here are the pairs:"
            }
            boolean isQuestion = label != null ? label == 'q' : question == null || answer != null;
            if (isQuestion) {
                if (question != null) {
                    pairs.add(tag.pair(question, answer == null ? "" : answer.toString()));
                }
                question = line;
                answer = null;
                tag = found;
            } else if (question == null) {
                continue; // an answer label before any question
            } else if (answer == null) {
                answer = new StringBuilder(line);
                tag = tag.or(found);
            } else {
                answer.append(' ').append(line);
            }
        }
        if (question != null) {
            pairs.add(tag.pair(question, answer == null ? "" : answer.toString()));
        }
        return pairs;
    }

    /** The answer's lines without numbering, a question and its answer on one line counted as two. */
    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        for (String raw : text.split("\\R")) {
            String line = Cleanup.unnumbered(Cleanup.controlFree(raw).strip());
            Matcher inline = INLINE_ANSWER.matcher(line);
            if (inline.matches()) {
                lines.add(inline.group(1).strip());
                lines.add("A: " + inline.group(2).strip());
            } else {
                lines.add(line);
            }
        }
        return lines;
    }

    private static String direction(String value) {
        if (value == null) {
            return null;
        }
        String direction = value.strip().toLowerCase(Locale.ROOT);
        return direction.equals("forward") || direction.equals("reverse") ? direction : null;
    }

    /** The facts and direction a line opened with. */
    private record Tag(List<Integer> facts, String direction) {
        static final Tag NONE = new Tag(List.of(), null);

        static Tag of(Matcher m) {
            String numbers = m.group(1) != null ? m.group(1) : m.group(3);
            List<Integer> facts = new ArrayList<>();
            Matcher number = TAG_NUMBER.matcher(numbers);
            while (number.find()) {
                facts.add(Integer.parseInt(number.group()));
            }
            return new Tag(facts, PairParser.direction(m.group(2) != null ? m.group(2) : m.group(4)));
        }

        Tag or(Tag other) {
            return facts.isEmpty() && direction == null ? other : this;
        }

        Pair pair(String question, String answer) {
            return new Pair(question, answer, facts, direction);
        }
    }
}
