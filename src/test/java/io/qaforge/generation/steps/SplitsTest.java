package io.qaforge.generation.steps;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SplitsTest {

    @Test
    void splitsAreDeterministicAndNearTheFraction() {
        int test = 0;
        for (long key = 0; key < 10_000; key++) {
            String split = Splits.assign(7, Splits.By.PAIR, 1, key, 0.1);
            assertThat(Splits.assign(7, Splits.By.PAIR, 1, key, 0.1)).isEqualTo(split);
            test += split.equals("test") ? 1 : 0;
        }
        assertThat(test).isBetween(900, 1100);
        assertThat(Splits.assign(7, Splits.By.CHUNK, 5, 1, 0.5)).isEqualTo(Splits.assign(7, Splits.By.CHUNK, 5, 2, 0.5));
    }
}
