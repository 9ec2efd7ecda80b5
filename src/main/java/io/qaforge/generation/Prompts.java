package io.qaforge.generation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.core.io.ClassPathResource;

/**
 * Prompt templates: {@code prompts/<variant>.txt} with {@code {context}}, {@code {chunk}} and {@code {n}} placeholders,
 * followed by the answer format the parser expects (alternating lines, or JSON when the provider takes a schema).
 */
final class Prompts {

    static final List<String> BUILT_IN = List.of("standard", "simple", "nuanced", "reversed");
    /** The variants of a job that names none. */
    static final List<String> DEFAULT_VARIANTS = List.of("standard");
    static final String JSON_SCHEMA = """
            {"type":"object","additionalProperties":false,"required":["pairs"],"properties":{"pairs":{"type":"array",
            "items":{"type":"object","additionalProperties":false,"required":["question","answer"],
            "properties":{"question":{"type":"string"},"answer":{"type":"string"}}}}}}""";

    private static final Map<String, String> TEMPLATES = new LinkedHashMap<>();
    private static final String FORMAT_LINES = load("format-lines");
    private static final String FORMAT_JSON = load("format-json");

    static {
        BUILT_IN.forEach(name -> TEMPLATES.put(name, load(name)));
    }

    private Prompts() {
    }

    /** The template for a variant: the job's own text if it overrides one, else the built-in; null if neither. */
    static String template(String variant, Map<String, String> overrides) {
        return overrides.getOrDefault(variant, TEMPLATES.get(variant));
    }

    static String render(String template, String context, String chunk, int questions, boolean json) {
        return template.replace("{context}", context)
                .replace("{n}", Integer.toString(questions))
                .replace("{chunk}", chunk)
                .strip() + "\n" + (json ? FORMAT_JSON : FORMAT_LINES);
    }

    private static String load(String name) {
        try {
            return new ClassPathResource("prompts/" + name + ".txt").getContentAsString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
