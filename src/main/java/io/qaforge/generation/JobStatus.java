package io.qaforge.generation;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;

/**
 * A job's life: {@code QUEUED} → {@code RUNNING} → one of the terminal statuses. The groups below are the only place
 * that says which statuses mean what; SQL binds them as arrays ({@code status = ANY(?)}) instead of spelling them out.
 */
public enum JobStatus {
    QUEUED, RUNNING, SUCCEEDED, COMPLETED_WITH_ERRORS, FAILED, CANCELLED, BUDGET_EXHAUSTED;

    /** Jobs whose tasks may be claimed. */
    public static final Set<JobStatus> ACTIVE = EnumSet.of(QUEUED, RUNNING);
    /** Jobs that ask nothing more of the engine until a user resumes, retries or cancels them. */
    public static final Set<JobStatus> TERMINAL = EnumSet.complementOf(EnumSet.of(QUEUED, RUNNING));
    /** Ended with pairs to use: all tasks done, some failed, or stopped by the budget (more may follow a resume). */
    public static final Set<JobStatus> DATASET_READY = EnumSet.of(SUCCEEDED, COMPLETED_WITH_ERRORS, BUDGET_EXHAUSTED);
    /** What a job that stopped with work left can be queued again from (retry-failed, resume). */
    public static final Set<JobStatus> RESUMABLE = EnumSet.of(COMPLETED_WITH_ERRORS, FAILED, BUDGET_EXHAUSTED);
    /** What cancel can still stop: anything not ended for good (a budget stop can be resumed, so it can be cancelled). */
    public static final Set<JobStatus> CANCELLABLE = EnumSet.of(QUEUED, RUNNING, BUDGET_EXHAUSTED);

    public boolean terminal() {
        return TERMINAL.contains(this);
    }

    /** The names, as an SQL array parameter. */
    public static String[] names(Collection<JobStatus> statuses) {
        return statuses.stream().map(Enum::name).toArray(String[]::new);
    }
}
