package io.qaforge.generation;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;

/**
 * One provider's limits in this replica: a semaphore for concurrent calls, token buckets for requests and tokens per
 * minute, and a pause that the provider itself can impose (Retry-After on a 429, rate-limit headers at zero).
 * The buckets hold a fraction of a second's worth and refill continuously, so calls are spread evenly over the minute
 * instead of bursting at its start (a burst is what earns 429s from a provider that enforces per-second slices).
 */
class RateLimiter {

    private final Semaphore concurrency;
    private final Bucket requests;
    private final Bucket tokens;
    private final long tokenCapacity;
    private volatile Instant pausedUntil = Instant.MIN;

    RateLimiter(int maxConcurrency, int requestsPerMinute, int tokensPerMinute) {
        this.concurrency = new Semaphore(Math.max(1, maxConcurrency));
        // A quarter second's worth: enough to catch up after a slow claim, a quarter of the burst a provider tolerates.
        this.requests = requestsPerMinute > 0 ? bucket(Math.max(1, requestsPerMinute / 240), requestsPerMinute) : null;
        // A single call may need more tokens than a second's worth: the bucket must be able to hold one.
        this.tokenCapacity = Math.max(tokensPerMinute / 60, 16_384);
        this.tokens = tokensPerMinute > 0 ? bucket(Math.min(tokenCapacity, tokensPerMinute), tokensPerMinute) : null;
    }

    private static Bucket bucket(long capacity, long perMinute) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)).initialTokens(1).build())
                .build();
    }

    /** Waits for one of the provider's concurrent calls; closing the slot gives it back (a second close does nothing). */
    Slot acquireSlot() throws InterruptedException {
        concurrency.acquire();
        return new Slot();
    }

    /**
     * One concurrent call's place. Closed exactly once however many paths close it: the task thread gives it back as soon
     * as the provider answers, and its try-with-resources once more on the way out, in case the call never returned.
     */
    final class Slot implements AutoCloseable {

        private final AtomicBoolean held = new AtomicBoolean(true);

        private Slot() {
        }

        /** This slot's place moves to a new one (for the thread that takes the task over); closing this one is a no-op now. */
        Slot handOver() {
            if (!held.getAndSet(false)) {
                throw new IllegalStateException("slot already given back");
            }
            return new Slot();
        }

        @Override
        public void close() {
            if (held.getAndSet(false)) {
                concurrency.release();
            }
        }
    }

    /** Blocks until a request may be sent: after any pause the provider asked for, and within requests/min. */
    void awaitRequest() throws InterruptedException {
        awaitPause();
        if (requests != null) {
            requests.asBlocking().consume(1);
        }
    }

    /** Gives back a request slot taken for a task that turned out not to be there. */
    void refundRequest() {
        if (requests != null) {
            requests.addTokens(1);
        }
    }

    void awaitTokens(long estimate) throws InterruptedException {
        if (tokens != null) {
            tokens.asBlocking().consume(Math.min(Math.max(1, estimate), tokenCapacity));
        }
    }

    /** Settles the difference between the tokens reserved before a call and those it really used. */
    void settleTokens(long estimate, long actual) {
        if (tokens == null || actual <= 0) {
            return;
        }
        long reserved = Math.min(Math.max(1, estimate), tokenCapacity);
        if (actual > reserved) {
            tokens.consumeIgnoringRateLimits(actual - reserved);
        } else if (actual < reserved) {
            tokens.addTokens(reserved - actual);
        }
    }

    void pauseFor(Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            return;
        }
        Instant until = Instant.now().plus(duration);
        synchronized (this) {
            if (until.isAfter(pausedUntil)) {
                pausedUntil = until;
            }
        }
    }

    private void awaitPause() throws InterruptedException {
        for (Instant until = pausedUntil; until.isAfter(Instant.now()); until = pausedUntil) {
            Thread.sleep(Duration.between(Instant.now(), until).plusMillis(1));
        }
    }
}
