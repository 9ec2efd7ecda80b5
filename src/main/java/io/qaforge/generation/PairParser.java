package io.qaforge.generation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns a model's answer into question/answer pairs. Models ignore format instructions in many small ways, so the
 * line parser accepts numbering, bullets, {@code Q:}/{@code A:} labels, bold markers and blank lines; a trailing
 * question without its answer (output cut off) comes back with an empty answer so the filters count it.
 */
final class PairParser {

    record Pair(String question, String answer) {
    }

    /** The answer holds no pairs at all: worth another call. */
    static final class Unparseable extends Exception {
        Unparseable(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    // Reasoning models think aloud in tags before answering; an unclosed block means the answer never came.
    private static final Pattern REASONING = Pattern.compile(
            "<(think|thinking|reasoning|reflection)>.*?(</\\1>|\\z)", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern LEADING_CLOSE = Pattern.compile("^.*?</(think|thinking|reasoning)>", Pattern.DOTALL | Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBERING = Pattern.compile("^(\\d{1,3}[.):]|[-*•]\\s|#+\\s)\\s*");
    private static final Pattern LABEL = Pattern.compile(
            "^(\\*\\*|__)?\\s*(q|a|question|answer)\\s*\\d{0,3}\\s*[:.)-]\\s*(\\*\\*|__)?\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern FENCE = Pattern.compile("^```[a-zA-Z]*\\s*|\\s*```$");

    private PairParser() {
    }

    static List<Pair> parse(String content, boolean json) throws Unparseable {
        String text = stripReasoning(content == null ? "" : content).strip();
        if (text.isEmpty()) {
            throw new Unparseable("empty answer");
        }
        List<Pair> pairs = json || text.startsWith("{") || text.startsWith("```") ? parseJson(text) : null;
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

    /** Null when the text is not the JSON we asked for, so the line parser gets a chance. */
    private static List<Pair> parseJson(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(FENCE.matcher(text).replaceAll(""));
        } catch (Exception e) {
            return null;
        }
        JsonNode items = root != null && root.isArray() ? root : root == null ? null : root.path("pairs");
        if (items == null || !items.isArray()) {
            return null;
        }
        List<Pair> pairs = new ArrayList<>();
        for (JsonNode item : items) {
            pairs.add(new Pair(item.path("question").asText("").strip(), item.path("answer").asText("").strip()));
        }
        return pairs;
    }

    private static List<Pair> parseLines(String text) {
        List<Pair> pairs = new ArrayList<>();
        String question = null;
        StringBuilder answer = null;
        for (String raw : text.split("\\R")) {
            String line = NUMBERING.matcher(raw.strip()).replaceFirst("").strip();
            if (line.isEmpty()) {
                continue;
            }
            Character label = null;
            Matcher m = LABEL.matcher(line);
            if (m.find()) {
                label = Character.toLowerCase(m.group(2).charAt(0));
                line = line.substring(m.end()).strip();
            }
            line = unbold(line);
            if (line.isEmpty() || (label == null && question == null && line.endsWith(":"))) {
                continue; // nothing left, or a preamble such as "Here are the pairs:"
            }
            boolean isQuestion = label != null ? label == 'q' : question == null || answer != null;
            if (isQuestion) {
                if (question != null) {
                    pairs.add(new Pair(question, answer == null ? "" : answer.toString()));
                }
                question = line;
                answer = null;
            } else if (question == null) {
                continue; // an answer label before any question
            } else if (answer == null) {
                answer = new StringBuilder(line);
            } else {
                answer.append(' ').append(line);
            }
        }
        if (question != null) {
            pairs.add(new Pair(question, answer == null ? "" : answer.toString()));
        }
        return pairs;
    }

    /** "**What is X?**" → "What is X?"; unbalanced markers stay so the truncation filter sees them. */
    private static String unbold(String line) {
        for (String marker : new String[]{"**", "__"}) {
            if (line.length() > 4 && line.startsWith(marker) && line.endsWith(marker)) {
                line = line.substring(2, line.length() - 2).strip();
            }
        }
        return line;
    }
}
