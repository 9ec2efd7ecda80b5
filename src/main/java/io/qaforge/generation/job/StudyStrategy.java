package io.qaforge.generation.job;

import java.util.Locale;

/**
 * The ways a study passage presents its chunk, after SPA's seven study prompts and EntiGraph's entity relations. Each
 * call writes one passage in one of them, so the passages of a chunk say the same facts in different shapes: what
 * pairs alone do not give a model (see the README, "Study documents").
 */
public enum StudyStrategy {
    CONCEPTS("Explain the key concepts of the text: name each concept in full, say what it is and why it matters, "
            + "in the text's own terms."),
    IMPLICATIONS("Write what follows from the text: the consequences and implications of what it states, each tied to "
            + "the statement it follows from."),
    TEACHER("Write as a teacher explaining the text to a student: go through it step by step, restating each point "
            + "plainly and saying how the points connect."),
    CASE("Write a worked case study that applies the text: a concrete situation, and how each rule or fact of the text "
            + "decides it. Invent no numbers or names the text does not give."),
    DISCUSSION("Write a discussion between two people, Alex and Sam, who go through the text together, asking each "
            + "other about it and answering from it."),
    OUTLINE("Write a mind map of the text as nested text: the subject first, then its topics, each with its facts "
            + "beneath it, one per line, indented with two spaces per level. Use no bullets or symbols."),
    RELATIONS("Write how the entities of the text relate: take pairs and triples of the entities the facts below name, "
            + "and for each say how they relate to each other, as the text states it."),
    /**
     * A remediation round's passage, centred on the facts a trained model missed: each stated both ways, from its
     * subject to what the text says of it and back, so the model meets it in the direction it was asked in and the other.
     */
    FOCAL("Write a passage centred on the facts below, which a student got wrong: explain each fact in full, first from "
            + "its subject to what the text says of it, then the other way round, from that back to its subject.");

    private final String instructions;

    StudyStrategy(String instructions) {
        this.instructions = instructions;
    }

    public String instructions() {
        return instructions;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether its prompt carries the chunk's facts (a remediation job's: the ones it tops up). */
    public boolean usesFacts() {
        return this == RELATIONS || this == FOCAL;
    }

    /** Whether a job may ask for it: focal passages are a remediation round's own. */
    boolean chosen() {
        return this != FOCAL;
    }

    /** The strategy of a task's variant; null for a name that is none. */
    public static StudyStrategy of(String label) {
        for (StudyStrategy strategy : values()) {
            if (strategy.label().equals(label)) {
                return strategy;
            }
        }
        return null;
    }
}
