package io.qaforge.generation.provider;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RateLimiterTest {

    /** Time stands still: every call's send time follows from its reported latency alone. */
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void aSlotIsGivenBackExactlyOnceHoweverOftenItIsClosed() throws Exception {
        RateLimiter limiter = new RateLimiter(1, 0, 0, CLOCK);
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
        RateLimiter limiter = new RateLimiter(1, 0, 0, CLOCK);
        RateLimiter.Slot claim = limiter.acquireSlot();
        RateLimiter.Slot task = claim.handOver();
        claim.close();
        assertThat(anotherCallMayStart(limiter)).as("closing the claim loop's slot kept the task's").isFalse();
        assertThatThrownBy(claim::handOver).isInstanceOf(IllegalStateException.class);
        task.close();
        assertThat(anotherCallMayStart(limiter)).isTrue();
    }

    @Test
    void theProvidersAnnouncedLimitsReplaceTheConfiguredGuess() {
        RateLimiter limiter = new RateLimiter(256, 500, 200_000, CLOCK);
        assertThat(limiter.requestsPerMinute()).isEqualTo(500);
        limiter.announced(3000, 1_000_000);
        assertThat(limiter.requestsPerMinute()).as("above the configured guess: the provider knows best").isEqualTo(3000);
        assertThat(limiter.tokensPerMinute()).isEqualTo(1_000_000);
        assertThat(limiter.secondsPerRequest()).isEqualTo(0.02);
        limiter.announced(null, null);
        assertThat(limiter.requestsPerMinute()).as("an answer without headers changes nothing").isEqualTo(3000);
        assertThat(new RateLimiter(8, 0, 0, CLOCK).secondsPerRequest()).as("no guess, nothing announced: not paced").isZero();
    }

    @Test
    void concurrencyFollowsTheRateTimesTheLatency() {
        RateLimiter limiter = new RateLimiter(256, 0, 0, CLOCK);
        assertThat(limiter.concurrency()).isEqualTo(RateLimiter.INITIAL_CONCURRENCY);
        limiter.announced(3000, null);
        limiter.sample(RateLimiter.Outcome.OK, 2.0, 500);
        int slow = limiter.concurrency();
        assertThat(slow).as("50 calls/s of 2 s each are 100 in flight, with headroom").isBetween(101, 256);
        for (int i = 0; i < 100; i++) {
            limiter.sample(RateLimiter.Outcome.OK, 0.1, 500);
        }
        assertThat(limiter.concurrency()).as("at 100 ms, 5 in flight, with headroom").isBetween(6, 20);

        RateLimiter capped = new RateLimiter(64, 0, 0, CLOCK);
        capped.announced(3000, null);
        capped.sample(RateLimiter.Outcome.OK, 2.0, 500);
        assertThat(capped.concurrency()).as("max-concurrency caps it").isEqualTo(64);
    }

    @Test
    void aRateLimitedAnswerHalvesConcurrencyWhichGrowsBackByOnePerRoundTrip() throws Exception {
        RateLimiter limiter = new RateLimiter(256, 6000, 0, CLOCK);
        limiter.sample(RateLimiter.Outcome.OK, 1.0, 500);
        int full = limiter.concurrency();
        List<RateLimiter.Slot> slots = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            slots.add(limiter.acquireSlot());
        }
        limiter.sample(RateLimiter.Outcome.RATE_LIMITED, 0.01, 0);
        assertThat(limiter.concurrency()).isEqualTo(50);
        limiter.sample(RateLimiter.Outcome.RATE_LIMITED, 0.01, 0);
        assertThat(limiter.concurrency()).as("the calls in flight at a cut report the same overload: one cut").isEqualTo(50);
        for (int i = 0; i < 52; i++) {
            limiter.sample(RateLimiter.Outcome.OK, 1.0, 500);
        }
        assertThat(limiter.concurrency()).as("a round trip's answers (about 50) add one").isEqualTo(51);
        assertThat(full).isGreaterThan(51);
        slots.forEach(RateLimiter.Slot::close);
    }

    @Test
    void a429ForACallSentBeforeTheLimitWasKnownIsNoReasonToCut() {
        RateLimiter limiter = new RateLimiter(256, 0, 0, CLOCK);
        limiter.announced(600, null);
        limiter.sample(RateLimiter.Outcome.OK, 0.1, 500);
        int paced = limiter.concurrency();
        // Sent two seconds ago, in the first wave before any answer: the pace set since has not been tried yet.
        limiter.sample(RateLimiter.Outcome.RATE_LIMITED, 2.0, 0);
        assertThat(limiter.concurrency()).isEqualTo(paced);
        limiter.sample(RateLimiter.Outcome.RATE_LIMITED, 0, 0);
        assertThat(limiter.concurrency()).as("sent at the known pace: cut").isLessThan(paced);
    }

    @Test
    void withNoRateKnownConcurrencyGrowsWhileLatencyHoldsAndShrinksWhenItClimbsOrErrorsCome() throws Exception {
        RateLimiter limiter = new RateLimiter(256, 0, 0, CLOCK);
        for (int i = 0; i < 20; i++) {
            limiter.sample(RateLimiter.Outcome.OK, 1.0, 500);
        }
        assertThat(limiter.concurrency()).as("an idle limit is no evidence: it does not grow").isEqualTo(RateLimiter.INITIAL_CONCURRENCY);
        List<RateLimiter.Slot> slots = new java.util.ArrayList<>();
        for (int i = 0; i < RateLimiter.INITIAL_CONCURRENCY; i++) {
            slots.add(limiter.acquireSlot());
        }
        for (int i = 0; i < RateLimiter.INITIAL_CONCURRENCY; i++) {
            limiter.sample(RateLimiter.Outcome.OK, 1.0, 500);
        }
        int grown = limiter.concurrency();
        assertThat(grown).as("latency holds: it grows, doubling per round trip at first").isEqualTo(2 * RateLimiter.INITIAL_CONCURRENCY);
        slots.forEach(RateLimiter.Slot::close);
        for (int i = 0; i < 20; i++) {
            limiter.sample(RateLimiter.Outcome.OK, 4.0, 500);
        }
        int shrunk = limiter.concurrency();
        assertThat(shrunk).as("latency climbs: it shrinks").isLessThan(grown);

        RateLimiter failing = new RateLimiter(256, 0, 0, CLOCK);
        failing.sample(RateLimiter.Outcome.ERROR, 1.0, 0);
        assertThat(failing.concurrency()).as("errors halve it").isEqualTo(RateLimiter.INITIAL_CONCURRENCY / 2);
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
