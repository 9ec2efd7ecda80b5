package io.qaforge.generation.quality;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.qaforge.generation.job.StudyStrategy;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.generation.steps.StudyPrompts;
import io.qaforge.system.Language;

import static org.assertj.core.api.Assertions.assertThat;

/** The passage gate, and the language checks of pairs, facts and passages. */
class PassageGateTest {

    static final String CHUNK = "In international touch rugby, rule 4 says that a team of six players must restart play within "
            + "7 seconds after a touch, standing 9 metres back from the mark. A referee who sees rule 4 broken awards a penalty "
            + "to the other team, and repeated breaches of rule 4 lead to a sin bin of 3 minutes. The MIME_INFO register lists "
            + "the referees of each match.";
    static final Grounding GATE = new Grounding(CHUNK, Language.ENGLISH, List.of(), StudyPrompts.texts(), 0.5);

    static String grounded() {
        return "In international touch rugby, rule 4 makes a team of six players restart play within 7 seconds after a touch. "
                + "The players stand 9 metres back from the mark when they restart play. A referee who sees rule 4 broken "
                + "awards a penalty to the other team. When a team breaches rule 4 repeatedly, the referee sends a player to "
                + "the sin bin for 3 minutes. So rule 4 ties the restart after a touch, the distance from the mark and the "
                + "penalty together, and the MIME_INFO register lists the referees of each match who apply it.";
    }

    @Test
    void aGroundedPassageInEachShapePasses() {
        assertThat(GATE.passageRejectReason(grounded())).isNull();
        String discussion = "Alex: " + grounded().replace(". ", ".\nSam: ");
        assertThat(GATE.passageRejectReason(discussion)).isNull();
        String outline = "International touch rugby rule 4\n  " + grounded().replace(". ", ".\n    ");
        assertThat(GATE.passageRejectReason(outline)).isNull();
    }

    @Test
    void everyRejectReasonOfThePassageGate() {
        assertThat(GATE.passageRejectReason("  ")).isEqualTo("empty");
        assertThat(GATE.passageRejectReason("Rule 4 makes a team restart play within 7 seconds.")).isEqualTo("too_short");
        assertThat(GATE.passageRejectReason(grounded().repeat(20))).isEqualTo("too_long");
        assertThat(GATE.passageRejectReason("## Rule 4\n" + grounded())).isEqualTo("markup");
        assertThat(GATE.passageRejectReason(grounded().replace("rule 4 broken", "**rule 4** broken"))).isEqualTo("markup");
        assertThat(GATE.passageRejectReason(grounded() + " " + StudyStrategy.TEACHER.instructions())).isEqualTo("prompt_echo");
        assertThat(GATE.passageRejectReason(grounded().replace("3 minutes", "12 minutes"))).isEqualTo("unsupported_number");
        assertThat(GATE.passageRejectReason(grounded().replace("MIME_INFO", "REF_LIST"))).isEqualTo("unsupported_name");
        assertThat(GATE.passageRejectReason("Im internationalen Touch Rugby muss eine Mannschaft von sechs Spielern das Spiel "
                + "innerhalb von 7 Sekunden nach einer Berührung neu beginnen, 9 Meter hinter der Marke. Ein Schiedsrichter, "
                + "der einen Verstoß gegen Regel 4 sieht, gibt der anderen Mannschaft einen Strafstoß, und wiederholte Verstöße "
                + "führen zu einer Zeitstrafe von 3 Minuten für den Spieler, der gegen die Regel verstößt. Der Schiedsrichter "
                + "achtet darauf, dass die Spieler beim Neubeginn hinter der Marke stehen und dass die Mannschaft nicht mehr als "
                + "sechs Spieler auf dem Feld hat, solange das Spiel läuft."))
                .isEqualTo("wrong_language");
        String offTopic = "Servers go down when the network drops packets, and operators restart them from a console. "
                + "Each server keeps a log of the packets it lost, and the operators read the logs every morning to find the "
                + "cause. Backups run at night so that a server that fails can be restored quickly, and monitoring tools warn "
                + "the operators before a disk fills up or a process stops answering requests from its clients.";
        assertThat(GATE.passageRejectReason(offTopic)).isEqualTo("unsupported_content");
    }

    @Test
    void pairsAndFactsInAnotherLanguageThanTheDocumentsAreWrongLanguage() {
        String german = "Im internationalen Touch Rugby muss eine Mannschaft von sechs Spielern das Spiel innerhalb von "
                + "7 Sekunden nach einer Berührung neu beginnen. Ein Schiedsrichter gibt bei Verstößen einen Strafstoß.";
        Grounding gate = new Grounding(german, Language.GERMAN, List.of(), Prompts.formats(), 0.5);
        assertThat(gate.rejectReason(new PairParser.Pair("Within how many seconds must a team restart play in touch rugby?",
                "A team must restart play within 7 seconds after a touch."))).isEqualTo("wrong_language");
        assertThat(gate.rejectReason(new PairParser.Pair("Innerhalb wie vieler Sekunden muss eine Mannschaft im Touch Rugby "
                + "das Spiel neu beginnen?", "Innerhalb von 7 Sekunden nach einer Berührung."))).isNull();
        assertThat(gate.factRejectReason("In touch rugby a team of six players must restart play within 7 seconds after a touch."))
                .isEqualTo("wrong_language");
        assertThat(Language.detect("Die IANA.")).as("too short to tell").isEmpty();
        assertThat(Language.detect("Une équipe de six joueurs doit reprendre le jeu dans les sept secondes après un toucher."))
                .contains(Language.FRENCH);
    }

}
