package io.qaforge.generation.quality;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PairParserTest {

    private static List<PairParser.Pair> lines(String text) throws PairParser.Unparseable {
        return PairParser.parse(JsonMapper.shared(), text, false);
    }

    @Test
    void alternatingLines() throws Exception {
        assertThat(lines("What is a touchdown?\nGrounding the ball over the line.\nHow many players?\nSix.\n"))
                .containsExactly(new PairParser.Pair("What is a touchdown?", "Grounding the ball over the line."),
                        new PairParser.Pair("How many players?", "Six."));
    }

    @Test
    void numberingLabelsBoldAndBlankLines() throws Exception {
        String text = """
                Here are the pairs:

                1. **Q:** What is a touchdown?
                **A:** Grounding the ball over the line.

                2) Question 2: How many players?
                Answer 2: Six.
                - **Who restarts play?**
                - The defending team.
                """;
        assertThat(lines(text)).containsExactly(
                new PairParser.Pair("What is a touchdown?", "Grounding the ball over the line."),
                new PairParser.Pair("How many players?", "Six."),
                new PairParser.Pair("Who restarts play?", "The defending team."));
    }

    @Test
    void trailingHalfPairComesBackWithoutAnswerAndIsRejectedAsTruncated() throws Exception {
        List<PairParser.Pair> pairs = lines("What is a touchdown?\nGrounding the ball.\nHow many players may a team");
        assertThat(pairs).hasSize(2);
        assertThat(pairs.get(1).answer()).isEmpty();
        assertThat(PairFilter.rejectReason(pairs.get(1))).isEqualTo("truncated");
        assertThat(PairFilter.rejectReason(pairs.get(0))).isNull();
    }

    @Test
    void reasoningBlocksAreStripped() throws Exception {
        assertThat(lines("<think>The user wants pairs.\nQ: not this</think>\nWhat is a touchdown?\nGrounding the ball."))
                .containsExactly(new PairParser.Pair("What is a touchdown?", "Grounding the ball."));
        assertThat(lines("first I think...</think>What is a touchdown?\nGrounding the ball."))
                .containsExactly(new PairParser.Pair("What is a touchdown?", "Grounding the ball."));
        assertThatThrownBy(() -> lines("<think>thinking until the tokens ran out")).isInstanceOf(PairParser.Unparseable.class);
    }

    @Test
    void jsonAnswersIncludingFencedOnes() throws Exception {
        String json = "{\"pairs\":[{\"question\":\"What is a touchdown?\",\"answer\":\"Grounding the ball.\"}]}";
        assertThat(PairParser.parse(JsonMapper.shared(), json, true)).containsExactly(new PairParser.Pair("What is a touchdown?", "Grounding the ball."));
        assertThat(PairParser.parse(JsonMapper.shared(), "```json\n" + json + "\n```", false)).hasSize(1);
    }

    @Test
    void garbageIsUnparseable() {
        assertThatThrownBy(() -> lines("")).isInstanceOf(PairParser.Unparseable.class);
        assertThatThrownBy(() -> lines("I'm sorry, I cannot help with that.")).isInstanceOf(PairParser.Unparseable.class);
    }

    @Test
    void filtersNameTheirReason() {
        assertThat(PairFilter.rejectReason(new PairParser.Pair("Why?", "Because."))).isEqualTo("too_short");
        assertThat(PairFilter.rejectReason(new PairParser.Pair("The field is seventy metres long", "Seventy."))).isEqualTo("no_question");
        assertThat(PairFilter.rejectReason(new PairParser.Pair("How long is the field?", "how long is the field"))).isEqualTo("answer_equals_question");
        assertThat(PairFilter.rejectReason(new PairParser.Pair("What does \"touch mean?", "A touch."))).isEqualTo("truncated");
        assertThat(PairFilter.rejectReason(new PairParser.Pair("What is **bold?", "Bold."))).isEqualTo("truncated");
        assertThat(PairFilter.rejectReason(new PairParser.Pair("Describe the touch rule", "A touch is ..."))).isNull();
    }
}
