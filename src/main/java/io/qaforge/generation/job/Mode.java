package io.qaforge.generation.job;

import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * How a job's calls reach its provider. {@code SYNC}: one call per task as soon as the provider's limits allow.
 * {@code BATCH}: the tasks go in batches through the provider's Batch API, at its batch price (OpenAI: half), with
 * answers within the provider's window (24 h) instead of seconds. Independent of the {@link Strategy}.
 */
public enum Mode {
    SYNC, BATCH;

    static Mode parse(String value) {
        if (value == null || value.isBlank()) {
            return SYNC;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest(ProblemType.INVALID_MODE, "Invalid mode", "mode is 'sync' or 'batch', was '" + value + "'");
        }
    }

    public String column() {
        return name().toLowerCase(Locale.ROOT);
    }
}
