package io.qaforge.generation;

import java.util.Set;

public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED, BUDGET_EXHAUSTED;

    static final Set<JobStatus> TERMINAL = Set.of(SUCCEEDED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED, BUDGET_EXHAUSTED);

    boolean terminal() {
        return TERMINAL.contains(this);
    }
}
