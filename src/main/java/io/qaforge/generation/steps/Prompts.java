package io.qaforge.generation.steps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.core.io.ClassPathResource;

/**
 * Prompt templates. The recipe's are {@code prompts/<variant>.txt} with {@code {context}}, {@code {chunk}} and
 * {@code {n}} placeholders, followed by the answer format the parser expects (alternating lines, or JSON when the
 * provider takes a schema). A fact job's three steps have one template each ({@code facts}, {@code fact-pairs},
 * {@code judge}), laid out for a provider's prefix cache: what every call of a chunk shares comes first (instructions
 * and format, context, chunk, facts), what one call asks for comes last (how many facts, which facts and directions,
 * the pairs to grade).
 */
public final class Prompts {

    public static final List<String> BUILT_IN = List.of("standard", "simple", "nuanced", "reversed");
    /** The variants of a job that names none. */
    public static final List<String> DEFAULT_VARIANTS = List.of("standard");
    /** The keys of a fact job's templates among its stored prompts. */
    public static final String FACTS = "facts", PAIRS = "pairs";
    static final String JSON_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["pairs"],"properties":{"pairs":{"type":"array",
            "items":{"type":"object","additionalProperties":false,"required":["question","answer"],
            "properties":{"question":{"type":"string"},"answer":{"type":"string"}}}}}}""";
    static final String FACTS_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["facts"],"properties":{"facts":{"type":"array",
            "items":{"type":"string"}}}}""";
    static final String FACT_PAIRS_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["pairs"],"properties":{"pairs":{"type":"array",
            "items":{"type":"object","additionalProperties":false,"required":["facts","direction","question","answer"],
            "properties":{"facts":{"type":"array","items":{"type":"integer"}},"direction":{"type":"string","enum":["forward","reverse"]},
            "question":{"type":"string"},"answer":{"type":"string"}}}}}}""";
    static final String VERDICTS_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["verdicts"],"properties":{"verdicts":{"type":"array",
            "items":{"type":"object","additionalProperties":false,
            "required":["pair","supported","selfContained","aboutDocument","score"],
            "properties":{"pair":{"type":"integer"},"supported":{"type":"boolean"},"selfContained":{"type":"boolean"},
            "aboutDocument":{"type":"boolean"},"score":{"type":"integer"}}}}}}""";

    private static final Map<String, String> TEMPLATES = new LinkedHashMap<>();
    private static final String FORMAT_LINES = load("format-lines");
    private static final String FORMAT_JSON = load("format-json");
    public static final String FACTS_TEMPLATE = load("facts");
    public static final String FACT_PAIRS_TEMPLATE = load("fact-pairs");
    public static final String JUDGE_TEMPLATE = load("judge");
    private static final Map<String, String> FORMATS = new LinkedHashMap<>();
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(\\w+)}");

    static {
        BUILT_IN.forEach(name -> TEMPLATES.put(name, load(name)));
        for (String kind : List.of("facts", "fact-pairs", "judge")) {
            FORMATS.put(kind + "/lines", load(kind + "-format-lines"));
            FORMATS.put(kind + "/json", load(kind + "-format-json"));
        }
    }

    private Prompts() {
    }

    /** The template for a variant: the job's own text if it overrides one, else the built-in; null if neither. */
    public static String template(String variant, Map<String, String> overrides) {
        return overrides.getOrDefault(variant, TEMPLATES.get(variant));
    }

    public static String render(String template, String context, String chunk, int questions, boolean json) {
        return template.replace("{context}", context)
                .replace("{n}", Integer.toString(questions))
                .replace("{chunk}", chunk)
                .strip() + "\n" + (json ? FORMAT_JSON : FORMAT_LINES);
    }

    public static String facts(String template, String context, String chunk, int facts, boolean json) {
        return fill(template, "facts", json, Map.of("context", context, "chunk", chunk, "n", Integer.toString(facts)));
    }

    public static String factPairs(String template, String context, String chunk, String facts, String request, boolean json) {
        return fill(template, "fact-pairs", json, Map.of("context", context, "chunk", chunk, "facts", facts, "request", request));
    }

    public static String judge(String template, String context, String chunk, String pairs, boolean json) {
        return fill(template, "judge", json, Map.of("context", context, "chunk", chunk, "pairs", pairs));
    }

    /** The answer formats and their examples, which are part of every prompt a job sends: a pair must not echo them. */
    public static List<String> formats() {
        return List.of(FORMAT_LINES, FORMAT_JSON, String.join("\n", FORMATS.values()));
    }

    /** The template with its kind's answer format, lines or JSON. */
    private static String fill(String template, String kind, boolean json, Map<String, String> values) {
        Map<String, String> all = new HashMap<>(values);
        all.put("format", FORMATS.get(kind + (json ? "/json" : "/lines")).strip());
        return fill(template, all);
    }

    /** One pass over the template, so a placeholder inside the chunk (a manual about templates) stays text. */
    static String fill(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder prompt = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(prompt, Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(prompt).toString().strip();
    }

    static String load(String name) {
        try {
            return new ClassPathResource("prompts/" + name + ".txt").getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
