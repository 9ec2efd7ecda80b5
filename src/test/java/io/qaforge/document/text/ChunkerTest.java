package io.qaforge.document.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

import io.qaforge.document.TokenCounter;

import static org.assertj.core.api.Assertions.assertThat;

class ChunkerTest {

    private static final TokenCounter TOKENS = new TokenCounter(EncodingType.O200K_BASE);
    private final Chunker chunker = new Chunker(TOKENS, 500, 700);

    @Test
    void paragraphsArePackedNearTheTargetAndNothingIsLostOrReordered() {
        String text = paragraphs(new Random(7), 120);

        List<Chunker.Piece> pieces = chunker.chunk(text);
        List<String> chunks = texts(text, pieces);

        assertThat(chunks).hasSizeGreaterThan(5);
        assertThat(chunks).allSatisfy(chunk -> assertThat(TOKENS.count(chunk)).isBetween(1, 700));
        assertThat(chunks.subList(0, chunks.size() - 1))
                .as("all but the last chunk are reasonably full")
                .allSatisfy(chunk -> assertThat(TOKENS.count(chunk)).isGreaterThan(250));
        assertThat(words(String.join(" ", chunks))).isEqualTo(words(text));
        assertThat(pieces).as("every paragraph fits, so every chunk starts at a paragraph start")
                .allSatisfy(piece -> assertThat(piece.from() == 0 || text.startsWith("\n\n", piece.from() - 2)).isTrue());
    }

    @Test
    void aTableIsCutOnlyBetweenRowsAndARowLargerThanTheTargetStaysWhole() {
        StringBuilder table = new StringBuilder("Before the table.\n\n| Rule | Text |\n");
        Random random = new Random(5);
        for (int r = 0; r < 60; r++) {
            table.append("| ").append(r).append(" | ").append(sentence(random)).append(' ').append(sentence(random)).append(" |\n");
        }
        String wide = "| wide | " + "word ".repeat(550).strip() + " |";
        table.append(wide).append("\n\nAfter the table.");
        String text = table.toString();

        List<String> chunks = texts(text, chunker.chunk(text));

        assertThat(chunks).hasSizeGreaterThan(2).anySatisfy(chunk -> assertThat(chunk.split("\n")).contains(wide));
        assertThat(chunks).allSatisfy(chunk -> assertThat(TOKENS.count(chunk)).isLessThanOrEqualTo(700));
        for (String chunk : chunks) {
            for (String line : chunk.split("\n")) {
                if (line.startsWith("|") || line.endsWith("|")) {
                    assertThat(line).as("a whole row").startsWith("|").endsWith("|");
                }
            }
        }
        assertThat(words(String.join(" ", chunks))).isEqualTo(words(text));
    }

    @Test
    void theSameInputGivesTheSameChunks() {
        String text = paragraphs(new Random(11), 40);
        assertThat(chunker.chunk(text)).isEqualTo(new Chunker(TOKENS, 500, 700).chunk(text));
    }

    @Test
    void anOversizedParagraphIsCutAtSentenceEnds() {
        StringBuilder paragraph = new StringBuilder();
        Random random = new Random(3);
        for (int i = 0; i < 150; i++) {
            paragraph.append(sentence(random)).append(' ');
        }
        String text = paragraph.toString().strip();

        List<String> chunks = texts(text, chunker.chunk(text));

        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(chunk).endsWith(".");
            assertThat(TOKENS.count(chunk)).isLessThanOrEqualTo(700);
        });
        assertThat(words(String.join(" ", chunks))).isEqualTo(words(text));
    }

    @Test
    void aSentenceWithoutEndIsCutBetweenWordsNeverInside() {
        Random random = new Random(5);
        List<String> vocabulary = List.of("touch", "rugby", "interchange", "sideline", "scoreline", "possession", "referee");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2500; i++) {
            text.append(vocabulary.get(random.nextInt(vocabulary.size()))).append(' ');
        }
        List<String> chunks = texts(text.toString(), chunker.chunk(text.toString()));

        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks).allSatisfy(chunk -> {
            assertThat(TOKENS.count(chunk)).isLessThanOrEqualTo(700);
            assertThat(vocabulary).containsAll(words(chunk));
        });
    }

    @Test
    void aSmallTrailingFragmentIsMergedIntoThePreviousChunk() {
        Random random = new Random(9);
        String body = paragraphs(random, 9);
        String text = body + "\n\nThe end.";
        List<Chunker.Piece> chunks = chunker.chunk(text);

        assertThat(chunks.getLast().tokens()).isGreaterThan(500 / 4);
        assertThat(text.substring(chunks.getLast().from(), chunks.getLast().to())).endsWith("The end.");
    }

    @Test
    void aRunWithoutAnySpaceStillRespectsTheMaximum() {
        String text = "x".repeat(20_000);
        List<Chunker.Piece> chunks = chunker.chunk(text);
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.tokens()).isLessThanOrEqualTo(700));
        assertThat(chunks.stream().mapToInt(c -> c.to() - c.from()).sum()).isEqualTo(20_000);
    }

    @Test
    void everyChunkCarriesTheTokenizersOwnCountOfItsText() {
        // Pieces are joined by arithmetic on their counts: text made to trip it (punctuation and newlines the
        // tokenizer glues to what follows, digits, non-breaking and other spaces, letters beyond Latin), small chunks.
        String[] parts = {"the", "Rule", "metres", "x", "42", "3.14", "1,000", "(a)", "./", "/usr/bin", "...", "--",
                "don't", "I'M", "naïve", "Ελληνικά", "日本語", "😀", "\u00A0", "\t", "  ", " \n", "\n", "\n\n", "\n/", ".\n", "|"};
        Random random = new Random(13);
        for (EncodingType type : List.of(EncodingType.O200K_BASE, EncodingType.CL100K_BASE, EncodingType.R50K_BASE)) {
            TokenCounter tokens = new TokenCounter(type);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 6000; i++) {
                text.append(parts[random.nextInt(parts.length)]).append(random.nextInt(3) == 0 ? "" : " ");
            }
            String raw = text.toString();

            List<Chunker.Piece> pieces = new Chunker(tokens, 20, 30).chunk(raw);

            assertThat(pieces).hasSizeGreaterThan(100).allSatisfy(piece -> assertThat(piece.tokens())
                    .as("%s: %s", type, raw.substring(piece.from(), piece.to()))
                    .isEqualTo(tokens.count(raw.substring(piece.from(), piece.to()))));
        }
    }

    private static String paragraphs(Random random, int count) {
        List<String> paragraphs = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            StringBuilder paragraph = new StringBuilder();
            int sentences = 1 + random.nextInt(8);
            for (int s = 0; s < sentences; s++) {
                paragraph.append(sentence(random)).append(' ');
            }
            paragraphs.add(paragraph.toString().strip());
        }
        return String.join("\n\n", paragraphs);
    }

    private static String sentence(Random random) {
        String[] words = {"the", "defending", "team", "must", "retreat", "five", "metres", "after", "each", "touch",
                "and", "a", "player", "who", "is", "touched", "six", "times", "hands", "over", "possession", "referee"};
        StringBuilder sentence = new StringBuilder("Rule");
        int length = 6 + random.nextInt(14);
        for (int i = 0; i < length; i++) {
            sentence.append(' ').append(words[random.nextInt(words.length)]);
        }
        return sentence.append('.').toString();
    }

    private static List<String> texts(String text, List<Chunker.Piece> pieces) {
        return pieces.stream().map(piece -> text.substring(piece.from(), piece.to())).toList();
    }

    private static List<String> words(String text) {
        return Arrays.stream(text.split("[\\s.]+")).filter(w -> !w.isEmpty()).toList();
    }
}
