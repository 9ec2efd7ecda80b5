package io.qaforge.hub;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.qaforge.generation.Diversity;
import io.qaforge.generation.Jobs;

/**
 * The dataset repo's README.md: YAML front matter whose {@code configs}/{@code data_files} declare the splits (so
 * {@code datasets.load_dataset("<repo>")} yields train and test), then what a reader needs to trust the data.
 */
final class DatasetCard {

    record Document(String name, String sha256, int pages) {
    }

    record Facts(String repoId, String license, String format, Map<String, Long> rows, Map<String, Long> pairs,
                 int pairsPerRow, String system, List<Document> documents, List<String> models, List<String> contexts,
                 List<String> temperatures, List<String> variants, List<String> prompts, List<String> jobIds,
                 Jobs.Grounding grounding, Map<String, Long> handWritten, long passages, Diversity.Figures diversity) {
    }

    /** The config (and file stem) of the study passages, beside the pairs' {@link #QA}. */
    static final String DOCUMENTS = "documents", QA = "qa";

    private DatasetCard() {
    }

    static String render(Facts facts) {
        StringBuilder card = new StringBuilder();
        header(card, facts);
        introduction(card, facts);
        splits(card, facts);
        sources(card, facts);
        grounding(card, facts.grounding());
        diversity(card, facts.diversity());
        generation(card, facts);
        return card.toString();
    }

    /** The YAML header the Hub reads: licence, tags, size, and the configs with their files. */
    private static void header(StringBuilder card, Facts facts) {
        card.append("---\n");
        card.append("license: ").append(facts.license()).append('\n');
        card.append("task_categories:\n- question-answering\n- text-generation\n");
        card.append("tags:\n- synthetic\n- qaforge\n");
        card.append("size_categories:\n- ").append(sizeCategory(facts.rows().values().stream().mapToLong(Long::longValue).sum())).append('\n');
        card.append("configs:\n");
        // With study passages the pairs are the default config "qa", and the passages config "documents".
        card.append("- config_name: ").append(facts.passages() > 0 ? QA + "\n  default: true" : "default").append("\n  data_files:\n");
        for (String split : facts.rows().keySet()) {
            card.append("  - split: ").append(split).append('\n');
            card.append("    path: \"data/").append(split).append("-*.").append(facts.format()).append("\"\n");
        }
        if (facts.passages() > 0) {
            card.append("- config_name: ").append(DOCUMENTS).append("\n  data_files:\n  - split: train\n");
            card.append("    path: \"data/").append(DOCUMENTS).append("-*.").append(facts.format()).append("\"\n");
        }
        card.append("---\n\n");
    }

    /** What a row is and how to load it, the study passages' config included. */
    private static void introduction(StringBuilder card, Facts facts) {
        card.append("# ").append(facts.repoId().substring(facts.repoId().indexOf('/') + 1)).append("\n\n");
        card.append("Synthetic question/answer pairs generated with qaforge from the documents below, to teach ")
                .append("a language model their content. Each row is a chat conversation in the `messages` column (")
                .append(facts.system() == null ? "" : "a system message, then ")
                .append("user question, assistant answer, up to ").append(facts.pairsPerRow())
                .append(" pairs about the same passage), the shape TRL's `SFTTrainer` and OpenAI fine-tuning read.\n\n");
        card.append("```python\nfrom datasets import load_dataset\nds = load_dataset(\"").append(facts.repoId()).append("\")\n```\n\n");
        if (facts.passages() > 0) {
            card.append("It also holds ").append(facts.passages()).append(" study passages about the same documents, in the `")
                    .append(DOCUMENTS).append("` config: each row a `text` written in one study strategy (`strategy`: concepts, ")
                    .append("implications, teacher, case, discussion, outline, relations, or focal around facts a model missed) ")
                    .append("from one passage of a document (`chunkId`), for continued pretraining beside the pairs. Every one ")
                    .append("passed the grounding gate and the judge's faithfulness check, and none carries a test question's ")
                    .append("wording.\n\n```python\ndocs = load_dataset(\"").append(facts.repoId()).append("\", \"")
                    .append(DOCUMENTS).append("\")\n```\n\n");
        }
    }

    private static void splits(StringBuilder card, Facts facts) {
        card.append("## Splits\n\n| split | rows | question/answer pairs |\n|---|---:|---:|\n");
        facts.rows().forEach((split, rows) -> card.append("| ").append(split).append(" | ").append(rows).append(" | ")
                .append(facts.pairs().getOrDefault(split, 0L)).append(" |\n"));
        if (!facts.handWritten().isEmpty()) {
            card.append("\n## Written by hand\n\nNot every row is synthetic: ").append(facts.handWritten().entrySet().stream()
                            .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(" and ")))
                    .append(" question/answer pairs were written by hand and uploaded, one pair per row; the other rows were ")
                    .append("generated. In qaforge's flat exports their variant is `hand-written`, with no chunk, pages or temperature.\n");
        }
        Jobs.Grounding grounding = facts.grounding();
        card.append(grounding != null && grounding.facts() > 0
                ? "\nThe test split holds out phrasings of each fact (in each direction it was asked in): it asks about the "
                + "facts train teaches, in other words. No train question is a near-copy of a test question.\n\n"
                : "\nTrain and test pairs come from the same passages but never share a pair.\n\n");
    }

    private static void sources(StringBuilder card, Facts facts) {
        card.append("## Source documents\n\n| document | pages | sha256 |\n|---|---:|---|\n");
        for (Document document : facts.documents()) {
            card.append("| ").append(cell(document.name())).append(" | ").append(document.pages()).append(" | `")
                    .append(document.sha256()).append("` |\n");
        }
    }

    private static void grounding(StringBuilder card, Jobs.Grounding grounding) {
        if (grounding != null) {
            card.append("\n## Facts and grounding\n\n");
            if (grounding.facts() > 0) {
                card.append("- facts listed from the documents: ").append(grounding.facts()).append(", of which ")
                        .append(grounding.covered()).append(" (").append(percent(grounding.covered(), grounding.facts()))
                        .append(") reached their coverage target (").append(String.join("; ", grounding.targets())).append(")\n");
            }
            if (!grounding.judges().isEmpty()) {
                card.append("- judge: ").append(String.join(", ", grounding.judges())).append(" passed ")
                        .append(grounding.judgePassed()).append(" of ").append(grounding.judgePassed() + grounding.judgeFailed())
                        .append(" graded pairs (").append(grounding.judgePassRate() == null ? "none graded"
                                : percent(grounding.judgePassed(), grounding.judgePassed() + grounding.judgeFailed()))
                        .append("); only passed pairs are in this dataset\n");
            }
            if (grounding.leaksRemoved() > 0) {
                card.append("- train pairs removed as near-copies of a test question: ").append(grounding.leaksRemoved()).append('\n');
            }
        }
    }

    private static void diversity(StringBuilder card, Diversity.Figures diversity) {
        if (diversity != null && (diversity.pairs() != null || diversity.passages() != null)) {
            card.append("\n## Diversity\n\nHow varied the text is: distinct words and word pairs over all of them (1 when "
                    + "nothing repeats), and the compression ratio (UTF-8 size over DEFLATE size: repetitive text compresses "
                    + "well, so higher is less varied; SPA reports 4.38 for its study documents against 19.25 for SEAL's "
                    + "collapsed self-edits).\n\n| text | rows | words | distinct words | distinct word pairs | compression ratio |\n"
                    + "|---|---:|---:|---:|---:|---:|\n");
            diversityRow(card, "question/answer pairs", diversity.pairs());
            diversityRow(card, "study passages", diversity.passages());
        }
    }

    private static void generation(StringBuilder card, Facts facts) {
        card.append("\n## Generation\n\n");
        card.append("- model: ").append(String.join(", ", facts.models())).append('\n');
        card.append("- temperatures: ").append(String.join(", ", facts.temperatures())).append('\n');
        card.append("- prompt variants: ").append(String.join(", ", facts.variants())).append('\n');
        card.append("- qaforge jobs: ").append(String.join(", ", facts.jobIds())).append('\n');
        for (String context : facts.contexts()) {
            card.append("- context given before every passage: ").append(context.replace('\n', ' ')).append('\n');
        }
        if (facts.system() != null) {
            card.append("- system message of every row: ").append(facts.system().replace('\n', ' ')).append('\n');
        }
        for (String prompt : facts.prompts()) {
            card.append("\n### Generation prompt\n\n````text\n").append(prompt.strip()).append("\n````\n");
        }
    }

    private static void diversityRow(StringBuilder card, String text, Diversity.Figure figure) {
        if (figure != null) {
            card.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.3f | %.2f |%n", text, figure.texts(), figure.words(),
                    figure.distinct1(), figure.distinct2(), figure.compression()));
        }
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.1f %%", 100.0 * part / whole);
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace('\n', ' ');
    }

    /** The Hub's size buckets, by rows. */
    static String sizeCategory(long rows) {
        if (rows < 1_000) {
            return "n<1K";
        }
        if (rows < 10_000) {
            return "1K<n<10K";
        }
        if (rows < 100_000) {
            return "10K<n<100K";
        }
        if (rows < 1_000_000) {
            return "100K<n<1M";
        }
        return rows < 10_000_000 ? "1M<n<10M" : "10M<n<100M";
    }
}
