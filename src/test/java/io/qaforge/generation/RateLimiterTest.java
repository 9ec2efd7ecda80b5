package io.qaforge.generation;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RateLimiterTest {

    @Test
    void aSlotIsGivenBackExactlyOnceHoweverOftenItIsClosed() throws Exception {
        RateLimiter limiter = new RateLimiter(1, 0, 0);
        try (RateLimiter.Slot slot = limiter.acquireSlot()) {
            slot.close();
            slot.close();
        }
        RateLimiter.Slot only = limiter.acquireSlot();
        assertThat(anotherCallMayStart(limiter)).as("one concurrent call allowed, and it is taken").isFalse();
        only.close();
        assertThat(anotherCallMayStart(limiter)).isTrue();
    }

    @Test
    void aHandedOverSlotBelongsToItsNewHolder() throws Exception {
        RateLimiter limiter = new RateLimiter(1, 0, 0);
        RateLimiter.Slot claim = limiter.acquireSlot();
        RateLimiter.Slot task = claim.handOver();
        claim.close();
        assertThat(anotherCallMayStart(limiter)).as("closing the claim loop's slot kept the task's").isFalse();
        assertThatThrownBy(claim::handOver).isInstanceOf(IllegalStateException.class);
        task.close();
        assertThat(anotherCallMayStart(limiter)).isTrue();
    }

    /** Whether a slot can be had now: a thread asking for one either gets it or parks waiting. */
    private static boolean anotherCallMayStart(RateLimiter limiter) {
        Thread thread = Thread.ofVirtual().start(() -> {
            try {
                limiter.acquireSlot().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> thread.getState() == Thread.State.TERMINATED
                || thread.getState() == Thread.State.WAITING);
        boolean acquired = thread.getState() == Thread.State.TERMINATED;
        thread.interrupt();
        return acquired;
    }
}
