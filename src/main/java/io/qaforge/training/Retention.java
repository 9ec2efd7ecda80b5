package io.qaforge.training;

import java.util.Map;
import java.util.UUID;

/**
 * What training cost the model: the share of the retention exam (general knowledge, unrelated to the documents) it
 * answered right closed book before and after training, as its worker reported it ({@code recall.retention}), and
 * whether the drop passes {@code qaforge.training.retention-drop-warning}.
 *
 * @param metric  the score the shares count ({@code keyFacts} unless a judge graded them)
 * @param drop    before − after, in shares (0.12: twelve points fewer right); null until both are known
 * @param flagged the drop is larger than {@code threshold}: the adapter bought its recall with forgetting
 */
record Retention(UUID examId, String examName, Integer questions, String metric, Double before, Double after, Double drop,
                 double threshold, boolean flagged) {

    static Retention of(UUID examId, String examName, Map<String, Object> recall, double threshold) {
        if (examId == null) {
            return null;
        }
        Map<?, ?> reported = recall != null && recall.get("retention") instanceof Map<?, ?> m ? m : Map.of();
        Double before = number(reported.get("before")), after = number(reported.get("after"));
        Double drop = before == null || after == null ? null : before - after;
        return new Retention(examId, examName, reported.get("questions") instanceof Number n ? n.intValue() : null,
                reported.get("metric") instanceof String s ? s : null, before, after, drop, threshold, drop != null && drop > threshold);
    }

    private static Double number(Object value) {
        return value instanceof Number n ? n.doubleValue() : null;
    }
}
