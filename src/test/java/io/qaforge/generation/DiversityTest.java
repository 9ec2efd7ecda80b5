package io.qaforge.generation;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The diversity figure: distinct n-grams and the compression ratio. */
class DiversityTest {

    static final String CHUNK = "In international touch rugby, rule 4 says that a team of six players must restart play within "
            + "7 seconds after a touch, standing 9 metres back from the mark.";

    static String grounded() {
        return "In international touch rugby, rule 4 makes a team of six players restart play within 7 seconds after a touch. "
                + "The players stand 9 metres back from the mark when they restart play. A referee who sees rule 4 broken "
                + "awards a penalty to the other team. When a team breaches rule 4 repeatedly, the referee sends a player to "
                + "the sin bin for 3 minutes. So rule 4 ties the restart after a touch, the distance from the mark and the "
                + "penalty together, and the MIME_INFO register lists the referees of each match who apply it.";
    }


    @Test
    void repetitiveTextHasTheHigherCompressionRatioAndFewerDistinctNgrams() {
        List<String> varied = List.of(grounded(), CHUNK, "Alex asks Sam how far back the players stand when they restart.",
                "Penalties go to the other team whenever a referee sees the rule broken.");
        List<String> collapsed = java.util.Collections.nCopies(40, "Rule 4 says a team of six must restart play within 7 seconds.");
        Diversity.Figure high = Diversity.of(varied), low = Diversity.of(collapsed);
        assertThat(high.texts()).isEqualTo(4);
        assertThat(low.compression()).isGreaterThan(3 * high.compression());
        assertThat(low.distinct2()).isLessThan(0.1);
        assertThat(high.distinct1()).isBetween(0.3, 1.0);
        assertThat(high.distinct2()).isGreaterThan(0.6);
        assertThat(Diversity.of(List.of())).isNull();
    }

}
