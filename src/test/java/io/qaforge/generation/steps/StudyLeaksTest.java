package io.qaforge.generation.steps;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.qaforge.generation.quality.NearDuplicates;

import static org.assertj.core.api.Assertions.assertThat;

/** A study passage must not carry a held-out test question's wording. */
class StudyLeaksTest {

    static String grounded() {
        return "In international touch rugby, rule 4 makes a team of six players restart play within 7 seconds after a touch. "
                + "The players stand 9 metres back from the mark when they restart play. A referee who sees rule 4 broken "
                + "awards a penalty to the other team. When a team breaches rule 4 repeatedly, the referee sends a player to "
                + "the sin bin for 3 minutes. So rule 4 ties the restart after a touch, the distance from the mark and the "
                + "penalty together, and the MIME_INFO register lists the referees of each match who apply it.";
    }


    @Test
    void aPassageThatCarriesATestQuestionsWordingLeaksTheExam() {
        var question = NearDuplicates.shingles("Within how many seconds must a team of six restart play after a touch?");
        assertThat(StudyLeaks.leaks(grounded(), List.of(question))).isFalse();
        assertThat(StudyLeaks.leaks(grounded() + " Alex: Within how many seconds must a team of six restart play after a touch?",
                List.of(question))).isTrue();
    }

}
