package io.qaforge.generation.queue;

/**
 * A task failed for good: no answer of it will be stored. Published inside the transaction that marks it, and handled
 * there (synchronous {@code @EventListener}), so what follows from it commits with it or not at all. A task that
 * completes needs no event: its writer, which stores the answer, decides what follows.
 */
public record TaskSettled(TaskQueue.Claimed task) {
}
