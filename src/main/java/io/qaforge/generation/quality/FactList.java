package io.qaforge.generation.quality;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A facts call's answer: one fact per line (or JSON), with whatever numbering, bullets, labels and preamble the model
 * adds taken off. Facts the gate finds unfit (markup, copied from the prompt, numbers or names the chunk lacks) and
 * repeats are left out; what remains, up to the number asked for, is the chunk's fact list. A chunk with nothing to
 * teach (a title page, a table of contents) is said so explicitly, as the prompt asks: a line {@code NONE}, or no facts
 * in JSON. Its list is empty and final; an answer with neither a usable fact nor that marker is unreadable, and the
 * call is tried again.
 */
public final class FactList {

    /** The line a facts call answers when its chunk holds nothing to teach (the facts prompt asks for it). */
    static final String NOTHING_TO_TEACH = "NONE";

    private static final Pattern FACT_LABEL = Pattern.compile("^(facts?|f)\\s*#?\\d{1,3}\\s*[:.)-]\\s*", Pattern.CASE_INSENSITIVE);

    private FactList() {
    }

    public static List<String> parse(JsonMapper mapper, String content, boolean json, Grounding gate, int max) throws PairParser.Unparseable {
        String text = PairParser.stripReasoning(content == null ? "" : content).strip();
        List<String> lines = new ArrayList<>();
        JsonNode root = json || text.startsWith("{") || text.startsWith("[") || text.startsWith("```") ? PairParser.json(mapper, text) : null;
        JsonNode items = root == null ? null : root.isArray() ? root : root.path("facts");
        boolean nothingToTeach = false;
        if (items != null && items.isArray()) {
            items.forEach(item -> lines.add(item.isString() ? item.asString() : item.path("text").asString(item.path("fact").asString(""))));
            nothingToTeach = items.isEmpty();
        } else {
            lines.addAll(List.of(text.split("\\R")));
        }
        List<String> facts = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            String fact = Cleanup.text(FACT_LABEL.matcher(Cleanup.text(line)).replaceFirst(""));
            if (PairFilter.normalise(fact).equalsIgnoreCase(NOTHING_TO_TEACH)) {
                nothingToTeach = true;
                continue;
            }
            if (fact.endsWith(":") || gate.factRejectReason(fact) != null || !seen.add(PairFilter.normalise(fact))) {
                continue; // a preamble ("Here are the facts:"), an unfit fact, or one listed twice
            }
            facts.add(fact);
            if (facts.size() == max) {
                break;
            }
        }
        if (facts.isEmpty() && !nothingToTeach) {
            throw new PairParser.Unparseable("no usable facts in the answer");
        }
        return facts;
    }
}
