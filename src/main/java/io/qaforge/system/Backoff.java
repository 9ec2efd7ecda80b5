package io.qaforge.system;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before the next try of a call that failed for a passing reason: exponential in the attempt, capped,
 * with "equal jitter" (half fixed, half random), so that many clients failing at once do not all come back together.
 *
 * @param initial the wait after the first failed attempt (on average three quarters of it)
 * @param max     the longest wait the exponent may reach
 */
public record Backoff(Duration initial, Duration max) {

    /** The wait after {@code attempt} failed attempts (1 = the first). */
    public Duration delay(int attempt) {
        long base = initial.toMillis() << Math.min(20, Math.max(0, attempt - 1));
        long capped = Math.min(base, max.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    /** Our own delay, or what the server asked for (Retry-After) where that is longer. */
    public Duration delay(int attempt, Duration serverAsked) {
        Duration own = delay(attempt);
        return serverAsked != null && serverAsked.compareTo(own) > 0 ? serverAsked : own;
    }
}
