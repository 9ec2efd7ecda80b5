package io.qaforge.generation.provider;

import java.time.Duration;

/**
 * A call that produced no usable answer, sorted by what the engine should do about it.
 *
 * @param retryAfter what the provider asked us to wait (Retry-After, retry-after-ms, "try again in 644ms"), or null
 */
public class ProviderFailure extends RuntimeException {

    public enum Kind {
        /** 429, 5xx, timeouts, connection errors, worker errors in a 200 body, unparseable answers. */
        RETRYABLE,
        /** This request will never succeed (e.g. 400 for an oversized prompt): fail the task, keep the job going. */
        TASK,
        /** No request of this job will succeed (bad key, unknown model, quota used up): stop the job. */
        JOB
    }

    private final Kind kind;
    private final transient Duration retryAfter;

  public   ProviderFailure(Kind kind, String reason, Duration retryAfter) {
        super(reason);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
