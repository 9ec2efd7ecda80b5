package io.qaforge.training;

import java.util.Arrays;
import java.util.List;

import io.qaforge.training.TrainingRun.Status;

/** The statuses a training run goes through, for clients that follow one (the console polls until a run has ended). */
public final class TrainingStatuses {

    public static final List<String> ALL = Arrays.stream(Status.values()).map(Status::name).toList();
    /** A run in one of these never changes again: the worker and the cancel endpoint act only on queued or running runs. */
    public static final List<String> TERMINAL = List.of(Status.SUCCEEDED.name(), Status.FAILED.name(), Status.CANCELLED.name());

    private TrainingStatuses() {
    }
}
