package io.qaforge.hub;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.qaforge.generation.Jobs;

import static org.assertj.core.api.Assertions.assertThat;

/** What a dataset card tells a reader about the facts behind the data and how much of it the judge let through. */
class DatasetCardTest {

    static DatasetCard.Facts facts(Jobs.Grounding grounding) {
        return facts(grounding, Map.of());
    }

    static DatasetCard.Facts facts(Jobs.Grounding grounding, Map<String, Long> handWritten) {
        return new DatasetCard.Facts("alice/touch-qa", "cc-by-4.0", "parquet", Map.of("train", 90L, "test", 10L),
                Map.of("train", 450L, "test", 50L), 5, null, List.of(new DatasetCard.Document("rules.pdf", "ab".repeat(32), 12)),
                List.of("gpt-4o-mini (openai)"), List.of("Touch rugby rules"), List.of("0.01", "1.2"), List.of("forward", "reverse"),
                List.of("You write question/answer pairs …"), List.of("job-1"), grounding, handWritten);
    }

    @Test
    void aFactJobsCardReportsItsFactsCoverageAndJudgePassRate() {
        String card = DatasetCard.render(facts(new Jobs.Grounding(120, 111, List.of("6 phrasings, 2 reverse"),
                List.of("gpt-4.1 (openai)"), 540, 60, 0.9, 12)));
        assertThat(card).contains("## Facts and grounding")
                .contains("- facts listed from the documents: 120, of which 111 (92.5 %) reached their coverage target (6 phrasings, 2 reverse)")
                .contains("- judge: gpt-4.1 (openai) passed 540 of 600 graded pairs (90.0 %)")
                .contains("- train pairs removed as near-copies of a test question: 12")
                .contains("The test split holds out phrasings of each fact");
    }

    @Test
    void aRecipeJobsCardSaysNothingOfFacts() {
        String card = DatasetCard.render(facts(null));
        assertThat(card).doesNotContain("Facts and grounding").contains("Train and test pairs come from the same passages")
                .doesNotContain("Written by hand");
    }

    @Test
    void aDatasetWithHandWrittenPairsSaysWhichRowsAPersonWrote() {
        String card = DatasetCard.render(facts(null, new TreeMap<>(Map.of("train", 12L, "test", 3L))));
        assertThat(card).contains("## Written by hand").contains("3 test and 12 train question/answer pairs were written by hand")
                .contains("variant is `hand-written`");
    }
}
