package io.qaforge.system;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one backoff and the one Retry-After reader that the provider client and the Hub client share. */
class RetryTimingTest {

    final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    @RepeatedTest(20)
    void backoffDoublesPerAttemptWithHalfOfItRandomAndStopsAtItsMaximum() {
        assertThat(backoff.delay(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
        assertThat(backoff.delay(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
        assertThat(backoff.delay(40)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
    }

    @Test
    void theServersRetryAfterWinsOnlyWhenLonger() {
        assertThat(backoff.delay(1, Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.delay(1, Duration.ZERO)).isPositive();
        assertThat(backoff.delay(1, null)).isPositive();
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertThat(RetryAfter.parse("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(RetryAfter.parse(" 1.5 ")).isEqualTo(Duration.ofMillis(1500));
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(10));
        assertThat(RetryAfter.parse(inTenSeconds)).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().minusMinutes(1));
        assertThat(RetryAfter.parse(past)).isZero();
        assertThat(RetryAfter.parse("soon")).isNull();
        assertThat(RetryAfter.parse("-4")).isNull();
        assertThat(RetryAfter.parse(null)).isNull();
    }
}
