package io.qaforge.generation.quality;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.core.io.ClassPathResource;

import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.system.Language;

import static org.assertj.core.api.Assertions.assertThat;

/** The grounding gate's deterministic checks and the clean-up before them, each on what weak models really write. */
class GroundingTest {

    static final String CHUNK = """
            MIME types are registered with IANA. A type such as text/plain names a media type and a subtype, and
            RFC 2046 defines the top-level types. The "charset" parameter gives the character set; its default for text
            is US-ASCII. Six top-level types were defined at first, and 1,000 subtypes are registered today.""";
    /** {@code qaforge.generation.min-lexical-support}'s default. */
    static final double FLOOR = 0.5;
    static final List<String> PROMPTS = List.of(Prompts.render(Prompts.template("standard", java.util.Map.of()),
            "Questions about the MIME specification.", "", 3, false), Prompts.FACT_PAIRS_TEMPLATE, Prompts.formats().getLast());
    static final Grounding GATE = new Grounding(CHUNK, List.of(), PROMPTS, FLOOR);

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
        Grounding rugby = new Grounding("In touch rugby, a team may have six players on the field at once.", List.of(), Prompts.formats(), FLOOR);
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

    /**
     * Real text: five chunks of the R Language Definition (section 2, "Objects"), the manual on which a weak model
     * (SmolLM2-135M as generator and judge) got pairs about servers and network packets accepted.
     */
    static final List<String> R_LANG = List.of(text("r-lang-objects.txt").split("\\n\\n"));

    /** A pair written against chunk {@code chunk} of {@link #R_LANG}; -1: the MIME chunk. */
    record Written(int chunk, String question, String answer) {

        Grounding gate() {
            return chunk < 0 ? GATE : new Grounding(R_LANG.get(chunk), List.of(), PROMPTS, FLOOR);
        }

        double support() {
            return gate().support(new PairParser.Pair(question, answer));
        }

        String reason() {
            return gate().rejectReason(new PairParser.Pair(question, answer));
        }
    }

    /** Honest paraphrases: each rewords what its chunk says, as a careful model would, never copying a sentence. */
    static final List<Written> PARAPHRASES = List.of(
            new Written(0, "What are pairlist objects in R similar to?", "They resemble the dotted-pair lists of Lisp."),
            new Written(0, "How many slots does a pairlist object have in R?", "Three: a CAR value, a CDR value and a TAG value."),
            new Written(0, "Why is the use of pairlists deprecated in R?", "Because generic vectors are usually the more efficient choice."),
            new Written(0, "What happens when an internal pairlist is accessed from R?", "R generally turns it into a generic vector, subsetted or not."),
            new Written(0, "What did Lisp's CAR/CDR terminology originally refer to?",
                    "The address and decrement registers of an early IBM computer from the sixties."),
            new Written(1, "Which R objects cannot have attributes?", "NULL is the only object that cannot carry attributes."),
            new Written(1, "How are attributes stored internally in R?",
                    "As a pairlist whose elements all have names, best thought of as a set of name=value pairs."),
            new Written(1, "How does R represent matrices and arrays?",
                    "As plain vectors that carry a dim attribute and, optionally, a dimnames attribute."),
            new Written(1, "What does the names attribute of an R vector do?",
                    "It labels each element of the vector or list, also when the object is printed."),
            new Written(1, "Where does the names attribute of an R pairlist come from?",
                    "It is a virtual attribute built from the tags of the list's components."),
            new Written(2, "In which order does R store the content of an array?", "In column-major order, inside a vector."),
            new Written(2, "What does R guarantee about the length of an array's vector?",
                    "That it equals the product of the lengths of the array's dimensions."),
            new Written(2, "How does a vector differ from a one-dimensional array in R?",
                    "The one-dimensional array has a dim attribute of length one, while a plain vector has none."),
            new Written(2, "What does the class attribute of an R object hold?", "A character vector listing the classes the object inherits from."),
            new Written(2, "Why should the class attribute of an R object be altered with care?",
                    "R never checks that an object really has the components its class methods expect."),
            new Written(3, "Which attributes do R's scalar functions keep?",
                    "Working element by element on a vector, they should keep its attributes, except perhaps the class."),
            new Written(3, "From which argument do binary operations in R copy most attributes?",
                    "From the longer argument; for arguments of equal length, from both, preferring the first one's values."),
            new Written(3, "What does coercion do to the attributes of an R object?", "Coercion removes every attribute."),
            new Written(3, "What happens to the attributes of an R object on subassignment?",
                    "Subassignment generally keeps them, even when the length changes."),
            new Written(4, "What are factors used for in R?", "To describe items that can take only a finite number of values, such as gender."),
            new Written(4, "How are factors implemented in R at present?",
                    "With an integer array holding the actual levels and a second array of names mapped onto those integers."),
            new Written(4, "Which data sets do R data frames imitate most closely?", "The data sets of SAS and SPSS, a matrix of cases by variables."),
            new Written(4, "What must the components of an R data frame have in common?",
                    "Its vectors, factors and matrices all share one length, the number of rows for matrices."),
            new Written(-1, "Who keeps the registry of MIME types?", "IANA registers them."),
            new Written(-1, "What is the default character set of MIME text?", "US-ASCII, unless the charset parameter says otherwise."));

    /** What a weak model writes when it loses the text: servers going down, network packets, and plausible inventions. */
    static final List<Written> OFF_TOPIC = List.of(
            new Written(0, "What happens when a server goes down?",
                    "When a server goes down, the network stops sending packets and clients lose their connection."),
            new Written(0, "How are network packets routed?", "Routers forward each packet along the shortest path to its destination host."),
            new Written(0, "What is a pairlist object in R?", "A pairlist object is used to send data packets between servers over the network."),
            new Written(0, "What is the purpose of the TAG value?", "The TAG value tells the router which network interface should receive the packet."),
            new Written(1, "Why do servers crash?", "Servers crash when memory runs out or the power supply fails."),
            new Written(1, "What does the names attribute do when the server is down?",
                    "The server retries the request until the network comes back up."),
            new Written(1, "How do attributes affect network performance?", "Attributes slow the network down because every packet must carry them to the server."),
            new Written(1, "How are matrices multiplied in R?", "Matrices are multiplied with an operator that calls optimised BLAS routines."),
            new Written(2, "How is packet loss measured?", "Packet loss is the share of packets that never reach the receiving host."),
            new Written(2, "What causes downtime?", "Downtime is caused by hardware failures, software bugs and network outages."),
            new Written(3, "How does R manage the memory of attributes?",
                    "R frees the memory of unused attributes with a garbage collector that runs in the background."),
            new Written(3, "Who created the R language?", "Ross Ihaka and Robert Gentleman created R at the University of Auckland."),
            new Written(4, "What does a data frame contain?", "A data frame contains the header and payload of a network packet sent by the server."),
            new Written(4, "How are factors implemented?", "Factors are implemented as firewall rules that block packets from unknown servers."),
            new Written(-1, "What is the default charset for MIME text?", "The server picks the charset from the packet header when the connection drops."),
            new Written(-1, "What is the difference between TCP and UDP?",
                    "TCP guarantees delivery of packets with acknowledgements, while UDP sends datagrams without them."));

    @Test
    void theGroundingFloorKeepsHonestParaphrasesAndRejectsWhatNoChunkSays() {
        assertThat(PARAPHRASES).hasSizeGreaterThanOrEqualTo(20).allSatisfy(pair ->
                assertThat(pair.reason()).as("%s (support %.2f)", pair, pair.support()).isNull());
        assertThat(OFF_TOPIC).hasSizeGreaterThanOrEqualTo(15).allSatisfy(pair ->
                assertThat(pair.reason()).as("%s (support %.2f)", pair, pair.support()).isEqualTo("unsupported_content"));
    }

    @Test
    void theFloorMeasuresTheAnswerWithItsFactsAndAShortAnswerWithItsQuestion() {
        Grounding chunkOnly = new Grounding(R_LANG.get(3), List.of(), PROMPTS, FLOOR);
        Grounding withFact = new Grounding(R_LANG.get(3), List.of("Coercion of an R object removes every one of its attributes."), PROMPTS, FLOOR);
        var reworded = new PairParser.Pair("What does coercion do to an R object's attributes?", "It strips and removes every attribute.");
        assertThat(chunkOnly.rejectReason(reworded)).isEqualTo("unsupported_content");
        assertThat(withFact.rejectReason(reworded)).as("worded as the call's fact words it").isNull();

        assertThat(reason("Is US-ASCII the default charset of MIME text?", "Yes.")).as("measured with its question").isNull();
        assertThat(reason("Do servers drop network packets when they go down?", "Yes.")).isEqualTo("unsupported_content");
        assertThat(reason("Which RFC defines the top-level MIME types?", "RFC 2046.")).as("numbers are checked as numbers").isNull();
    }

    @Test
    void theFloorIsConfigurable() {
        var pair = new PairParser.Pair("What does coercion do to the attributes of an R object?", "Coercion removes every attribute.");
        assertThat(new Grounding(R_LANG.get(3), List.of(), PROMPTS, FLOOR).support(pair)).isEqualTo(0.5);
        assertThat(new Grounding(R_LANG.get(3), List.of(), PROMPTS, 0.6).rejectReason(pair)).isEqualTo("unsupported_content");
        var offTopic = new PairParser.Pair("Why do servers crash?", "Servers crash when memory runs out or the power supply fails.");
        assertThat(new Grounding(R_LANG.get(1), List.of(), PROMPTS, 0).rejectReason(offTopic)).as("0 turns it off").isNull();
    }

    @Test
    void wordsAreComparedAsStemsOfTheChunksLanguage() {
        String german = "Eine Mannschaft darf höchstens sechs Spieler gleichzeitig auf dem Spielfeld haben. Wer gegen diese Regel "
                + "verstößt, verliert den Ballbesitz an die gegnerische Mannschaft.";
        String french = "Une équipe peut aligner au plus six joueurs sur le terrain en même temps. Toute infraction à cette règle "
                + "donne le ballon à l'équipe adverse.";
        assertThat(Language.of(german)).isEqualTo(Language.GERMAN);
        assertThat(Language.of(french)).isEqualTo(Language.FRENCH);
        assertThat(Language.of(CHUNK)).isEqualTo(Language.ENGLISH);
        assertThat(Language.of("ok")).as("too short to tell: English").isEqualTo(Language.ENGLISH);
        assertThat(Language.GERMAN.stems("Die Spieler der Mannschaften")).as("stopwords out, inflections stemmed")
                .containsExactlyElementsOf(Language.GERMAN.stems("Spielern einer Mannschaft"));

        Grounding gate = new Grounding(german, List.of(), PROMPTS, FLOOR);
        assertThat(gate.rejectReason(new PairParser.Pair("Wie viele Spieler darf eine Mannschaft gleichzeitig auf dem Spielfeld haben?",
                "Den Mannschaften sind höchstens sechs Spieler auf dem Spielfeld erlaubt."))).isNull();
        assertThat(gate.rejectReason(new PairParser.Pair("Was passiert, wenn ein Server ausfällt?",
                "Das Netzwerk verliert Pakete, und die Verbindung bricht ab."))).isEqualTo("unsupported_content");
        assertThat(new Grounding(french, List.of(), PROMPTS, FLOOR).rejectReason(new PairParser.Pair(
                "Combien de joueurs une équipe peut-elle aligner sur le terrain ?", "Au plus six joueurs, en même temps."))).isNull();
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

    static String text(String name) {
        try {
            return new ClassPathResource("io/qaforge/generation/" + name).getContentAsString(StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
