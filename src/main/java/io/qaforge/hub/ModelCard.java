package io.qaforge.hub;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model repo's README.md for a qaforge training run: YAML front matter the Hub reads (base model and how this repo
 * relates to it, library, the dataset repos it was trained on), then the recall a reader needs to trust it, measured
 * on the run's exam before training, with the source text in the prompt, and after.
 */
final class ModelCard {

    record Document(String name, int pages) {
    }

    /**
     * @param merged   the base model with the adapter merged in (else the LoRA adapter)
     * @param datasets Hub dataset repos the run's pairs were pushed to
     * @param recall   the worker's summary: before / inContext / after, recoveryRatio
     * @param round    the run's remediation round (1: the first training)
     */
    record Facts(String endpoint, String repoId, boolean merged, String baseModel, String license, List<String> datasets, List<Document> documents,
                 List<String> jobIds, String runId, String examName, Integer examQuestions, Map<String, Object> recall,
                 Map<String, Object> params, int round) {
    }

    private static final List<List<String>> PHASES = List.of(List.of("before", "before (base model, closed book)"),
            List.of("inContext", "in context (source text in the prompt)"), List.of("after", "after (this model, closed book)"));

    private ModelCard() {
    }

    static String render(Facts facts) {
        StringBuilder card = new StringBuilder("---\n");
        card.append("base_model: ").append(facts.baseModel()).append('\n');
        card.append("base_model_relation: ").append(facts.merged() ? "finetune" : "adapter").append('\n');
        card.append("library_name: ").append(facts.merged() ? "transformers" : "peft").append('\n');
        if (facts.license() != null) {
            card.append("license: ").append(facts.license()).append('\n');
        }
        if (!facts.datasets().isEmpty()) {
            card.append("datasets:\n");
            facts.datasets().forEach(d -> card.append("- ").append(d).append('\n'));
        }
        card.append("tags:\n- qaforge\n- lora\n").append(facts.merged() ? "" : "- peft\n").append("---\n\n");
        card.append("# ").append(facts.repoId().substring(facts.repoId().indexOf('/') + 1)).append("\n\n");
        card.append(facts.merged() ? "`" + facts.baseModel() + "` with a LoRA adapter merged in" : "A LoRA adapter for `" + facts.baseModel() + "`")
                .append(", trained with qaforge on synthetic question/answer pairs so that the model remembers ")
                .append(facts.documents().isEmpty() ? "its source documents" : "the documents below").append(".\n\n");
        recall(card, facts);
        card.append("## Use\n\n```python\n");
        if (facts.merged()) {
            card.append("from transformers import AutoModelForCausalLM, AutoTokenizer\n\n")
                    .append("model = AutoModelForCausalLM.from_pretrained(\"").append(facts.repoId()).append("\")\n");
        } else {
            card.append("from peft import PeftModel\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n\n")
                    .append("base = AutoModelForCausalLM.from_pretrained(\"").append(facts.baseModel()).append("\")\n")
                    .append("model = PeftModel.from_pretrained(base, \"").append(facts.repoId()).append("\")\n");
        }
        card.append("tokenizer = AutoTokenizer.from_pretrained(\"").append(facts.repoId()).append("\")  # with the chat template it was trained with\n```\n\n");
        card.append("## Training data\n\n");
        for (String dataset : facts.datasets()) {
            card.append("- dataset: [").append(dataset).append("](").append(facts.endpoint()).append("/datasets/").append(dataset).append(")\n");
        }
        for (Document document : facts.documents()) {
            card.append("- source document: ").append(cell(document.name())).append(" (").append(document.pages())
                    .append(document.pages() == 1 ? " page)\n" : " pages)\n");
        }
        card.append("- qaforge jobs: ").append(facts.jobIds().isEmpty() ? "none" : String.join(", ", facts.jobIds())).append('\n');
        card.append("- qaforge training run: ").append(facts.runId()).append(facts.round() == 1 ? "" : ", remediation round "
                + facts.round() + ": trained again on the earlier rounds' data plus more phrasings of the facts the previous"
                + " round missed on the same exam").append("\n\n");
        if (!facts.params().isEmpty()) {
            card.append("## Training parameters\n\n| parameter | value |\n|---|---|\n");
            facts.params().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> card.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |\n"));
            card.append("\nOther parameters: the qaforge worker's defaults.\n");
        }
        return card.toString();
    }

    private static void recall(StringBuilder card, Facts facts) {
        card.append("## Recall\n\n");
        if (facts.recall() == null) {
            card.append("Not measured.\n\n");
            return;
        }
        card.append("Measured on the exam *").append(cell(facts.examName() == null ? "test split" : facts.examName())).append('*')
                .append(facts.examQuestions() == null ? "" : " (" + facts.examQuestions() + " questions)")
                .append(", each answered greedily with the chat template used in training. Key facts: the reference's numbers, names ")
                .append("and distinguishing words are in the answer (the default measure of a right answer); exact match and token F1 ")
                .append("as in SQuAD; contained: the reference answer appears in the model's answer.\n\n");
        card.append("| phase | questions | key facts | exact match | token F1 | contained | judge |\n|---|---:|---:|---:|---:|---:|---:|\n");
        for (List<String> phase : PHASES) {
            if (facts.recall().get(phase.get(0)) instanceof Map<?, ?> rates) {
                card.append("| ").append(phase.get(1)).append(" | ").append(number(rates.get("questions"), false))
                        .append(" | ").append(number(rates.get("keyFacts"), true)).append(" | ").append(number(rates.get("exactMatch"), true)).append(" | ").append(number(rates.get("tokenF1"), true))
                        .append(" | ").append(number(rates.get("contained"), true)).append(" | ").append(number(rates.get("judge"), true)).append(" |\n");
            }
        }
        card.append("\nRecovery ratio (after − before) / (in context − before), on ")
                .append(facts.recall().get("recoveryRatioMetric") instanceof String metric ? metric : "contained").append(": ")
                .append(number(facts.recall().get("recoveryRatio"), true)).append(".\n\n");
        if (facts.recall().get("retention") instanceof Map<?, ?> retention) {
            card.append("Retention (questions unrelated to the documents, answered closed book, to measure forgetting): ")
                    .append(number(retention.get("before"), true)).append(" right before training, ")
                    .append(number(retention.get("after"), true)).append(" after (")
                    .append(number(retention.get("questions"), false)).append(" questions).\n\n");
        }
    }

    private static String number(Object value, boolean share) {
        if (!(value instanceof Number n)) {
            return "—";
        }
        return share ? String.format(Locale.ROOT, "%.2f", n.doubleValue()) : n.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace('\n', ' ');
    }
}
