package io.qaforge.generation.queue;

/**
 * What a task's provider call does: list a chunk's facts, write pairs, grade the pairs of a pair call, write a study
 * passage, or grade a passage's faithfulness. Stored in
 * {@code task.kind} under its own column value, so renaming a constant never changes what the database holds.
 */
public enum TaskKind {
    FACTS("facts"), PAIRS("pairs"), JUDGE("judge"), STUDY("study"), STUDY_JUDGE("study-judge");

    private final String column;

    TaskKind(String column) {
        this.column = column;
    }

    /** The value of {@code task.kind}. */
    public String column() {
        return column;
    }

    public static TaskKind of(String column) {
        for (TaskKind kind : values()) {
            if (kind.column.equals(column)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("No task kind '" + column + "'");
    }
}
