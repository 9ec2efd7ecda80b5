package io.qaforge.export.stream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The shuffle over many buckets: every row comes back once, in an order fixed by the keys alone. */
class ShufflerTest {

    @Test
    void rowsSpreadOverBucketsComeBackOnceInKeyOrder() throws IOException {
        int rows = 12_000; // declared as 60,000 pairs: three buckets
        List<String> first = replay(rows, 1);
        List<String> again = replay(rows, 1);
        List<String> otherSeed = replay(rows, 2);

        assertThat(first).hasSize(rows).doesNotHaveDuplicates()
                .allMatch(row -> row.matches("question (\\d+) é\\|answer \\1\\|(test|train)"))
                .contains("question 3 é|answer 3|test", "question 4 é|answer 4|train");
        assertThat(again).isEqualTo(first);
        assertThat(otherSeed).containsExactlyInAnyOrderElementsOf(first).isNotEqualTo(first);
        assertThat(first.subList(0, 100)).isNotEqualTo(first.stream().sorted().toList().subList(0, 100));
    }

    @Test
    void partsWrittenAtOnceHoldTheOneOrderCutIntoConsecutiveRuns() throws IOException {
        List<String> whole = replay(12_000, 1);
        List<List<String>> parts = List.of(new ArrayList<>(), new ArrayList<>());

        try (Shuffler shuffler = filled(12_000, 1)) {
            assertThat(shuffler.replay(List.of(collect(parts.get(0)), collect(parts.get(1))))).isEqualTo(12_000);
        }

        assertThat(parts).allSatisfy(part -> assertThat(part).hasSizeBetween(2_000, 10_000));
        assertThat(parts.get(0)).isEqualTo(whole.subList(0, parts.get(0).size()));
        assertThat(parts.get(1)).isEqualTo(whole.subList(parts.get(0).size(), whole.size()));
    }

    private static List<String> replay(int rows, long seed) throws IOException {
        List<String> out = new ArrayList<>();
        try (Shuffler shuffler = filled(rows, seed)) {
            assertThat(shuffler.pairs()).isEqualTo(rows);
            assertThat(shuffler.replay(collect(out))).isEqualTo(rows);
        }
        return out;
    }

    /** Declared as 60,000 pairs: three buckets. */
    private static Shuffler filled(int rows, long seed) throws IOException {
        Shuffler shuffler = new Shuffler(60_000);
        RowBuffer row = new RowBuffer();
        for (int i = 0; i < rows; i++) {
            row.reset();
            row.write(("question " + i + " é|answer " + i + "|" + (i % 3 == 0 ? "test" : "train")).getBytes(StandardCharsets.UTF_8));
            shuffler.add(Shuffler.key(seed, i), 1, row);
        }
        return shuffler;
    }

    private static RowWriter collect(List<String> out) {
        return new RowWriter() {
            @Override
            public void write(byte[] bytes, int offset, int length) {
                out.add(new String(bytes, offset, length, StandardCharsets.UTF_8));
            }

            @Override
            public void close() {
            }
        };
    }
}
