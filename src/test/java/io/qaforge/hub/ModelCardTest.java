package io.qaforge.hub;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a model card tells a reader about the round of training that produced the adapter. */
class ModelCardTest {

    private static ModelCard.Facts facts(int round) {
        return new ModelCard.Facts("https://huggingface.co", "alice/touch-lora", false, "Qwen/Qwen2.5-0.5B-Instruct", null,
                List.of("alice/touch-qa"), List.of(new ModelCard.Document("rules.pdf", 12)), List.of("job-1", "job-2"), "run-2",
                "held out", 40, Map.of("before", Map.of("questions", 40, "contained", 0.1),
                "after", Map.of("questions", 40, "contained", 0.7), "recoveryRatio", 0.75), Map.of("epochs", 3), round);
    }

    @Test
    void aRemediationRoundSaysWhatItWasTrainedOn() {
        assertThat(ModelCard.render(facts(2)))
                .contains("- qaforge training run: run-2, remediation round 2: trained again on the earlier rounds' data plus more"
                        + " phrasings of the facts the previous round missed on the same exam")
                .contains("- qaforge jobs: job-1, job-2");
    }

    @Test
    void aFirstTrainingNamesNoRound() {
        assertThat(ModelCard.render(facts(1))).contains("- qaforge training run: run-2\n").doesNotContain("round");
    }
}
