package io.qaforge.generation.provider;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One provider's limits as this replica knows them: the requests and tokens per minute the provider allows (announced
 * in its answers' {@code x-ratelimit-limit-*} headers; the configured values are the guess until then) and how many
 * calls may be in flight. The pace itself is kept for all replicas by {@link ProviderBudget}.
 * <p>
 * Concurrency follows the work. With a known rate, Little's law: calls in flight = rate × observed latency, with
 * headroom, so concurrency never holds the rate back; a 429 halves it and it grows back by one per round trip (AIMD).
 * With no rate known (vLLM, Ollama announce none), the server's latency is the signal: the limit grows while latency
 * stays near the lowest seen, shrinks when it climbs, and halves on errors.
 */
public class RateLimiter {

    /**
     * Calls in flight before anything is known of the provider: few, since replicas starting together each send as
     * many, and a provider tolerates only so many at once before it has told us its limit.
     */
    static final int INITIAL_CONCURRENCY = 4;
    /** How long the lowest latency seen is remembered: a server's unloaded latency may change, but slowly. */
    private static final long LOWEST_WINDOW_NANOS = 30_000_000_000L;
    /** In flight beyond rate × latency: latency varies from call to call, and a claim takes a moment too. */
    private static final double HEADROOM = 1.5;
    private static final int SPARE = 2;
    /** Latency up to this multiple of the lowest seen counts as holding (a server batching more calls is a bit slower). */
    private static final double TOLERANCE = 1.5;

    enum Outcome {
        /** An answer. */
        OK,
        /** 429: too many requests. */
        RATE_LIMITED,
        /** A server error, a timeout or a broken connection: signs of an overloaded server. */
        ERROR
    }

    private final int maxConcurrency;
    private final int configuredRequestsPerMinute;
    private final int configuredTokensPerMinute;
    private int announcedRequestsPerMinute;
    private int announcedTokensPerMinute;
    private double limit;
    /** Known rate: the AIMD ceiling, halved on a 429 and grown back by one per round trip. */
    private double ceiling = Double.MAX_VALUE;
    private boolean slowStart = true;
    private int inFlight;
    /** Seconds: a moving average of answered calls' latency (0 until the first). */
    private double latency;
    /**
     * The lowest latency of this window and of the one before: the server's latency when not queueing. A windowed
     * minimum, not an average, so a queue we keep up does not pass for the server's normal.
     */
    private double lowestThisWindow;
    private double lowestLastWindow;
    private long windowStartNanos;
    /** Since when a rate has been known: 429s of calls sent before it are no evidence against the pace. */
    private long rateKnownSinceNanos;
    private double tokensPerCall;
    private long lastCutNanos = Long.MIN_VALUE / 2;

    private final Clock clock;

    RateLimiter(int maxConcurrency, int requestsPerMinute, int tokensPerMinute, Clock clock) {
        this.clock = clock;
        this.windowStartNanos = nanos();
        this.maxConcurrency = Math.max(1, maxConcurrency);
        this.configuredRequestsPerMinute = Math.max(0, requestsPerMinute);
        this.configuredTokensPerMinute = Math.max(0, tokensPerMinute);
        this.limit = Math.min(this.maxConcurrency, INITIAL_CONCURRENCY);
        this.rateKnownSinceNanos = requestsPerMinute > 0 || tokensPerMinute > 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }

    /** Waits for a place among the calls in flight; closing the slot gives it back (a second close does nothing). */
    public synchronized Slot acquireSlot() throws InterruptedException {
        while (inFlight >= concurrency()) {
            wait();
        }
        inFlight++;
        return new Slot();
    }

    private synchronized void release() {
        inFlight--;
        notifyAll();
    }

    /**
     * One concurrent call's place. Closed exactly once however many paths close it: the task thread gives it back as soon
     * as the provider answers, and its try-with-resources once more on the way out, in case the call never returned.
     */
    public final class Slot implements AutoCloseable {

        private final AtomicBoolean held = new AtomicBoolean(true);

        private Slot() {
        }

        /** This slot's place moves to a new one (for the thread that takes the task over); closing this one is a no-op now. */
        public Slot handOver() {
            if (!held.getAndSet(false)) {
                throw new IllegalStateException("slot already given back");
            }
            return new Slot();
        }

        @Override
        public void close() {
            if (held.getAndSet(false)) {
                release();
            }
        }
    }

    /** Calls that may be in flight now. */
    synchronized int concurrency() {
        return (int) Math.max(1, Math.min(maxConcurrency, Math.floor(limit)));
    }

    /** The requests per minute calls are paced at: what the provider announced, else the configured guess; 0 = none. */
    synchronized int requestsPerMinute() {
        return announcedRequestsPerMinute > 0 ? announcedRequestsPerMinute : configuredRequestsPerMinute;
    }

    synchronized int tokensPerMinute() {
        return announcedTokensPerMinute > 0 ? announcedTokensPerMinute : configuredTokensPerMinute;
    }

    /** Seconds of the shared request budget one call takes (0: requests are not paced). */
    synchronized double secondsPerRequest() {
        int rpm = requestsPerMinute();
        return rpm > 0 ? 60.0 / rpm : 0;
    }

    /** Seconds of the shared token budget one token takes (0: tokens are not paced). */
    synchronized double secondsPerToken() {
        int tpm = tokensPerMinute();
        return tpm > 0 ? 60.0 / tpm : 0;
    }

    /** The limits the provider announced in an answer's headers; null where it announced none. */
    synchronized void announced(Integer requestsPerMinute, Integer tokensPerMinute) {
        if ((requestsPerMinute != null && requestsPerMinute > 0 || tokensPerMinute != null && tokensPerMinute > 0)
                && rateKnownSinceNanos == Long.MAX_VALUE) {
            rateKnownSinceNanos = nanos();
        }
        if (requestsPerMinute != null && requestsPerMinute > 0) {
            announcedRequestsPerMinute = requestsPerMinute;
        }
        if (tokensPerMinute != null && tokensPerMinute > 0) {
            announcedTokensPerMinute = tokensPerMinute;
        }
    }

    /** What became of one call: how long it took (seconds) and, for an answer, the tokens it used. */
    synchronized void sample(Outcome outcome, double seconds, long tokens) {
        long now = nanos();
        if (outcome == Outcome.OK) {
            latency = latency == 0 ? seconds : latency + (seconds - latency) * 0.1;
            if (now - windowStartNanos > LOWEST_WINDOW_NANOS) {
                lowestLastWindow = lowestThisWindow;
                lowestThisWindow = 0;
                windowStartNanos = now;
            }
            lowestThisWindow = lowestThisWindow == 0 ? seconds : Math.min(lowestThisWindow, seconds);
            if (tokens > 0) {
                tokensPerCall = tokensPerCall == 0 ? tokens : tokensPerCall + (tokens - tokensPerCall) * 0.1;
            }
        }
        double rate = requestsPerSecond();
        if (rate > 0) {
            long sent = now - (long) (seconds * 1e9);
            if (outcome == Outcome.RATE_LIMITED && sent >= rateKnownSinceNanos && oncePerRoundTrip(now)) {
                ceiling = Math.max(1, Math.min(limit, inFlight) / 2);
            } else if (outcome == Outcome.OK) {
                ceiling = Math.min(ceiling + 1 / ceiling, Double.MAX_VALUE);
            }
            if (latency > 0) {
                limit = Math.min(maxConcurrency, Math.min(ceiling, Math.ceil(rate * latency * HEADROOM) + SPARE));
            }
        } else if (outcome != Outcome.OK) {
            if (oncePerRoundTrip(now)) {
                limit = Math.max(1, limit / 2);
                slowStart = false;
            }
        } else if (latency <= lowestLatency() * TOLERANCE) {
            // Grow only while the limit is what holds calls back, or an idle spell would raise it without a test.
            if (inFlight >= limit / 2) {
                limit = Math.min(maxConcurrency, limit + (slowStart ? 1 : 1 / limit));
            }
        } else if (oncePerRoundTrip(now)) {
            limit = Math.max(1, limit * 0.9);
            slowStart = false;
        }
        notifyAll();
    }

    private double lowestLatency() {
        return lowestLastWindow == 0 ? lowestThisWindow : Math.min(lowestThisWindow, lowestLastWindow);
    }

    /** Calls per second the known limits allow (the tighter of requests and tokens); 0 = no rate known. */
    private double requestsPerSecond() {
        double requests = requestsPerMinute() / 60.0;
        double tokens = tokensPerMinute() > 0 && tokensPerCall > 0 ? tokensPerMinute() / 60.0 / tokensPerCall : 0;
        return requests > 0 && tokens > 0 ? Math.min(requests, tokens) : Math.max(requests, tokens);
    }

    /** Cuts answer to a round trip's worth of evidence: the calls in flight at a cut all report the same overload. */
    private boolean oncePerRoundTrip(long now) {
        if (now - lastCutNanos < (long) (Math.max(latency, 0.05) * 1e9)) {
            return false;
        }
        lastCutNanos = now;
        return true;
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
