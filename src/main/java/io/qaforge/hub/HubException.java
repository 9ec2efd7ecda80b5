package io.qaforge.hub;

import java.time.Duration;

import io.qaforge.system.ProblemType;

/** A Hub answer other than success, with the Hub's own message ({@code X-Error-Message} or the body's {@code error}). */
class HubException extends RuntimeException {

    private final int status;
    private final Duration retryAfter;

    HubException(int status, String message, Duration retryAfter) {
        super(message);
        this.status = status;
        this.retryAfter = retryAfter;
    }

    int status() {
        return status;
    }

    /** The server asked us to wait this long, or null. */
    Duration retryAfter() {
        return retryAfter;
    }

    boolean transientFailure() {
        return status == 408 || status == 429 || status >= 500 || status == 0;
    }

    /** The problem a user sees for this failure. */
    ProblemType type() {
        return switch (status) {
            case 401 -> ProblemType.HUB_UNAUTHORIZED;
            case 403 -> ProblemType.HUB_FORBIDDEN;
            case 0 -> ProblemType.HUB_UNREACHABLE;
            default -> ProblemType.HUB_ERROR;
        };
    }
}
