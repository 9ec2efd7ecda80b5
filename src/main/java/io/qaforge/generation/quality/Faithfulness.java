package io.qaforge.generation.quality;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A study judge's answer: how many claims the passage makes and how many the chunk supports, as JSON
 * ({@code {"claims":12,"supported":11}}) or two lines ({@code claims: 12}, {@code supported: 11}), fences and labels
 * tolerated.
 */
public final class Faithfulness {

    private static final Pattern COUNT = Pattern.compile("(?im)^\\W*(claims|supported)\\W*:?\\s*(\\d+)");

    private Faithfulness() {
    }

    /** The judge's claims and supported counts as a share; an answer without them is unreadable, and tried again. */
    public static double parse(JsonMapper mapper, String content) throws PairParser.Unparseable {
        Integer claims = null, supported = null;
        String text = content.strip().replaceFirst("^```(json)?", "").replaceFirst("```$", "").strip();
        if (text.startsWith("{")) {
            try {
                JsonNode root = mapper.readTree(text);
                claims = root.path("claims").canConvertToInt() ? root.path("claims").asInt() : null;
                supported = root.path("supported").canConvertToInt() ? root.path("supported").asInt() : null;
            } catch (JacksonException e) {
                // read as lines below
            }
        }
        for (Matcher m = COUNT.matcher(text); m.find() && (claims == null || supported == null); ) {
            int value = Integer.parseInt(m.group(2));
            if (m.group(1).equalsIgnoreCase("claims")) {
                claims = claims == null ? value : claims;
            } else {
                supported = supported == null ? value : supported;
            }
        }
        if (claims == null || supported == null || claims <= 0 || supported < 0) {
            throw new PairParser.Unparseable("The judge's answer gives no count of claims and supported claims");
        }
        return Math.min(1, (double) supported / claims);
    }
}
