package io.qaforge.generation.queue;

import java.util.UUID;

import io.qaforge.generation.JobStatus;

/**
 * A job reached a terminal status (again, after a resume or retry). Published inside the transaction that ends it and
 * handled there (synchronous {@code @EventListener}), so the job never shows as ended without what ending it implies.
 */
public record JobEnded(UUID jobId, JobStatus status) {
}
