package io.qaforge.generation;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** The grounding gate's deterministic checks and the clean-up before them, each on what weak models really write. */
class GroundingTest {

    static final String CHUNK = """
            MIME types are registered with IANA. A type such as text/plain names a media type and a subtype, and
            RFC 2046 defines the top-level types. The "charset" parameter gives the character set; its default for text
            is US-ASCII. Six top-level types were defined at first, and 1,000 subtypes are registered today.""";
    static final Grounding GATE = new Grounding(CHUNK, List.of(Prompts.render(Prompts.template("standard", java.util.Map.of()),
            "Questions about the MIME specification.", "", 3, false), Prompts.FACT_PAIRS_TEMPLATE, Prompts.formats().getLast()));

    static String reason(String question, String answer) {
        return GATE.rejectReason(new PairParser.Pair(question, answer));
    }

    @Test
    void aGroundedPairPasses() {
        assertThat(reason("Which RFC defines the top-level MIME types?", "RFC 2046 defines the top-level types.")).isNull();
        assertThat(reason("How many MIME subtypes are registered today?", "About 1000 subtypes are registered.")).isNull();
        assertThat(reason("How many top-level MIME types were defined at first?", "6 top-level types.")).isNull();
        assertThat(reason("What does the charset parameter of a MIME type give?", "The \"charset\" parameter gives the character set."))
                .as("a quoted name the chunk contains").isNull();
    }

    @Test
    void theRecipesOneShotExampleAndItsInstructionsAreEchoes() {
        assertThat(reason("In touch rugby, how many players may a team have on the field at once?",
                "A team may have at most six players on the field at any time.")).isEqualTo("prompt_echo");
        assertThat(reason("What is a MIME type?", "Each question must carry enough context to be understood on its own, without the text."))
                .isEqualTo("prompt_echo");
        assertThat(reason("In touch rugby, which rule awards a penalty when the ball is passed forward?", "Rule 4 awards that penalty."))
                .as("the fact prompt's example").isEqualTo("prompt_echo");
        assertThat(reason("Which RFC defines the top-level MIME types?", "Answers need not copy the text word for word"))
                .as("part of an instruction").isEqualTo("prompt_echo");
        assertThat(reason("The question \"In touch rugby, how many players may a team have on the field at once?\" is easy?",
                "It is answered in one line.")).as("the example quoted inside a longer text").isEqualTo("prompt_echo");
        Grounding rugby = new Grounding("In touch rugby, a team may have six players on the field at once.", Prompts.formats());
        assertThat(rugby.rejectReason(new PairParser.Pair("In touch rugby, how many players may a team field?", "Six players.")))
                .as("a question on the example's own subject, grounded in the chunk").isNull();
    }

    @Test
    void markupAndCodeFragmentsAreNotLanguage() {
        assertThat(reason("<name>MIME_INFO</name>", "<value>")).isEqualTo("markup");
        assertThat(reason("What is the MIME info element?", "<name>MIME_INFO</name>")).isEqualTo("markup");
        assertThat(reason("{\"type\": \"text/plain\"}?", "A MIME type.")).isEqualTo("markup");
        assertThat(reason("What is the subtype of text/plain?", "{ };")).isEqualTo("markup");
        assertThat(reason("How is a plain text type written?", "`text/plain`")).as("code in an answer is fine").isNull();
        assertThat(reason("How is a vector of the MIME types made?", "x <- c(1046, 2046)")).isEqualTo("unsupported_number");
        assertThat(reason("Which code registers a MIME type with IANA?", "```r")).as("a code fence").isEqualTo("markup");
        assertThat(reason("Which code registers a MIME type with IANA?", "reg <- data.frame(")).as("cut off").isEqualTo("truncated");
        assertThat(reason("Which code registers a MIME type with IANA?", "Here is the code:")).isEqualTo("truncated");
    }

    @Test
    void numbersAndQuotedNamesTheChunkLacksAreUnsupported() {
        assertThat(reason("Which RFC defines the top-level MIME types?", "RFC 2045 defines them.")).isEqualTo("unsupported_number");
        assertThat(reason("How many MIME top-level types were defined at first?", "Seven were defined.")).isEqualTo("unsupported_number");
        assertThat(reason("What is the default charset for MIME text?", "The default is \"Latin\".")).isEqualTo("unsupported_name");
        assertThat(reason("Which one of the MIME parameters gives the character set?", "The one called charset."))
                .as("'one' is a pronoun more often than a count").isNull();
    }

    @Test
    void aQuestionAboutThisSpecNamingNothingOfItDoesNotStandAlone() {
        assertThat(reason("What is this spec?", "A specification of MIME types.")).isEqualTo("not_self_contained");
        assertThat(reason("What does it define according to the text?", "Media types.")).isEqualTo("not_self_contained");
        assertThat(reason("What does this spec say about the charset parameter?", "It gives the character set."))
                .as("names one of the chunk's key terms").isNull();
    }

    @Test
    void aFactMustSayWhatTheChunkSays() {
        assertThat(GATE.factRejectReason("RFC 2046 defines the top-level MIME types.")).isNull();
        assertThat(GATE.factRejectReason("This is a list of facts that can be taught and tested on its own."))
                .isEqualTo("not_in_chunk");
        assertThat(GATE.factRejectReason("Registered MIME subtypes number 1,000 today.")).as("other word forms").isNull();
        assertThat(GATE.factRejectReason("MIME defines 12 top-level types.")).isEqualTo("unsupported_number");
    }

    @Test
    void cleanupTakesOffNumberingLabelsWrappersAndControlCharacters() throws Exception {
        List<PairParser.Pair> pairs = PairParser.parse(JsonMapper.shared(), """
                1. Q: What does RFC 2046 define?\u0000
                A: The top-level MIME types. Answers:
                2) [Which body registers MIME types?]
                **Answer 2:** IANA registers them.
                Question 3: Where is the default charset given? A: In the text type's definition.
                """, false);
        assertThat(pairs).extracting(PairParser.Pair::question)
                .containsExactly("What does RFC 2046 define?", "Which body registers MIME types?", "Where is the default charset given?");
        assertThat(pairs).extracting(PairParser.Pair::answer)
                .containsExactly("The top-level MIME types.", "IANA registers them.", "In the text type's definition.");
        assertThat(Cleanup.text("\"1.5 seconds after the touch\"")).as("a decimal is not numbering").isEqualTo("1.5 seconds after the touch");
    }

    @Test
    void factTagsNameFactsAndDirection() throws Exception {
        List<PairParser.Pair> pairs = PairParser.parse(JsonMapper.shared(), """
                [F2 reverse] Which body registers MIME types?
                IANA.
                (F1, F3 forward) What does RFC 2046 define?
                The top-level types.
                F4: Which parameter gives the character set?
                The charset parameter.
                """, false);
        assertThat(pairs).extracting(PairParser.Pair::facts).containsExactly(List.of(2), List.of(1, 3), List.of(4));
        assertThat(pairs).extracting(PairParser.Pair::direction).containsExactly("reverse", "forward", null);
        assertThat(PairParser.parse(JsonMapper.shared(), "{\"pairs\":[{\"facts\":[2],\"direction\":\"reverse\",\"question\":\"Who registers MIME types?\",\"answer\":\"IANA.\"}]}", true))
                .singleElement().satisfies(pair -> {
                    assertThat(pair.facts()).containsExactly(2);
                    assertThat(pair.direction()).isEqualTo("reverse");
                });
    }

    @Test
    void nearDuplicatesAreCopiesNotRephrasings() {
        var a = NearDuplicates.shingles("How many players may a team have on the field at once in touch rugby?");
        assertThat(NearDuplicates.near(a, NearDuplicates.shingles("how many players may a team have on the field at once, in touch rugby"))).isTrue();
        assertThat(NearDuplicates.near(a, NearDuplicates.shingles("How many players may a team have on the field at once in touch rugby matches?")))
                .as("one word added at the end").isTrue();
        assertThat(NearDuplicates.near(a, NearDuplicates.shingles("How many players may a team have on the pitch at once in touch rugby?")))
                .as("one word of fourteen: a rephrasing, kept").isFalse();
        assertThat(NearDuplicates.near(a, NearDuplicates.shingles("In touch rugby, what is the largest number of players a side may field?"))).isFalse();
    }

    @Test
    void verdictsFromLinesOrJson() throws Exception {
        var verdicts = Verdicts.parse(JsonMapper.shared(), "Here you go:\n1 | yes | yes | yes | 5\n2 | no | yes | yes | 1\n3: yes, no, yes\n", false, 3);
        assertThat(verdicts.get(1).passed()).isTrue();
        assertThat(verdicts.get(2).rejectReason()).isEqualTo("judge_unsupported");
        assertThat(verdicts.get(3).rejectReason()).isEqualTo("judge_not_self_contained");
        assertThat(Verdicts.parse(JsonMapper.shared(), "{\"verdicts\":[{\"pair\":2,\"supported\":true,\"selfContained\":true,\"aboutDocument\":false,\"score\":3}]}",
                true, 2)).containsOnlyKeys(2).extractingByKey(2).extracting(Verdicts.Verdict::rejectReason).isEqualTo("judge_off_topic");
    }

    @Test
    void coverageTargetsSpreadReverseCallsAndExpectTopUps() {
        assertThat(Coverage.DEFAULT.sweepDirections(9)).containsExactly("forward", "forward", "reverse", "forward", "forward",
                "reverse", "forward", "forward", "reverse");
        assertThat(Coverage.DEFAULT.sweepDirections(1)).containsExactly("forward");
        assertThat(Coverage.DEFAULT.expectedTopUps(9, 0.7)).isEmpty();
        assertThat(Coverage.DEFAULT.expectedTopUps(3, 0.7)).containsExactly(4, 2, 1);
        assertThat(Coverage.DEFAULT.missing(5, 1)).isEqualTo(new Coverage.Missing(0, 1));
        assertThat(Coverage.DEFAULT.missing(2, 0)).isEqualTo(new Coverage.Missing(2, 2));
    }
}
