package io.qaforge.generation.provider;

import java.time.Duration;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The pace of calls to each provider, shared by every replica through one row per provider: a provider's limits belong
 * to its API key, so replicas that each spent the whole budget would together spend it several times over.
 * <p>
 * Each bucket is a theoretical arrival time (GCRA): the moment the bucket would be full again. A call moves it on by
 * its share of the minute (one request's, and its tokens') and may go once the time before it is within a quarter
 * second's burst of now, so calls are spread evenly however many replicas send them. Every step is one statement, and
 * no replica holds a share between calls: one that dies leaves nothing behind to give back.
 * <p>
 * A caller that does not spend the provider's per-minute limits (a batch submission) simply does not reserve.
 */
@Component
public class ProviderBudget {

    /** A quarter second's worth: enough to catch up after a slow claim, a quarter of the burst a provider tolerates. */
    static final double BURST_SECONDS = 0.25;

    private final JdbcClient db;

    ProviderBudget(JdbcClient db) {
        this.db = db;
    }

    /**
     * Takes one request and {@code tokens} from the provider's budget and answers how long the caller must wait before
     * sending it: until the calls reserved before it are within the burst allowance, and past any pause the provider asked for.
     *
     * @param secondsPerRequest 0 when requests are not paced
     * @param secondsPerToken   0 when tokens are not paced
     */
    Duration reserve(String provider, double secondsPerRequest, double secondsPerToken, long tokens) {
        double requests = secondsPerRequest, tokenSeconds = secondsPerToken * tokens;
        double wait = db.sql("""
                        INSERT INTO provider_budget AS b (provider, requests_at, tokens_at)
                        VALUES (:provider, now() + make_interval(secs => :requests), now() + make_interval(secs => :tokens))
                        ON CONFLICT (provider) DO UPDATE SET
                            requests_at = greatest(b.requests_at, now()) + make_interval(secs => :requests),
                            tokens_at = greatest(b.tokens_at, now()) + make_interval(secs => :tokens)
                        RETURNING extract(epoch FROM greatest(b.requests_at - make_interval(secs => :requests + :burst),
                                                              b.tokens_at - make_interval(secs => :tokens + :burst),
                                                              b.paused_until, now()) - now())""")
                .param("provider", provider).param("requests", requests).param("tokens", tokenSeconds)
                .param("burst", BURST_SECONDS)
                .query(Double.class).single();
        return Duration.ofNanos((long) (wait * 1e9));
    }

    /** Gives back (or takes more of) the token budget once a call's real usage is known. */
    void settleTokens(String provider, double secondsPerToken, long estimated, long used) {
        if (secondsPerToken <= 0 || used <= 0 || used == estimated) {
            return;
        }
        db.sql("UPDATE provider_budget SET tokens_at = tokens_at + make_interval(secs => ?) WHERE provider = ?")
                .params(secondsPerToken * (used - estimated), provider).update();
    }

    /** Nobody calls the provider for {@code duration} (it answered 429 with Retry-After, or said nothing is left). */
    void pause(String provider, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            return;
        }
        db.sql("UPDATE provider_budget SET paused_until = greatest(paused_until, now() + make_interval(secs => ?)) WHERE provider = ?")
                .params(duration.toNanos() / 1e9, provider).update();
    }

    /**
     * The provider's own buckets are full again only after these (from its {@code x-ratelimit-reset-*} headers): never
     * pace faster than that, whoever else spends the same key. Null where it said nothing.
     */
    void fullIn(String provider, Duration requests, Duration tokens) {
        db.sql("""
                        UPDATE provider_budget SET
                            requests_at = greatest(requests_at, now() + make_interval(secs => :requests)),
                            tokens_at = greatest(tokens_at, now() + make_interval(secs => :tokens))
                        WHERE provider = :provider""")
                .param("requests", requests == null ? 0 : requests.toNanos() / 1e9)
                .param("tokens", tokens == null ? 0 : tokens.toNanos() / 1e9)
                .param("provider", provider).update();
    }
}
