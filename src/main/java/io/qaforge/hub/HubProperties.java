package io.qaforge.hub;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param endpoint       the Hub's base URL; {@code HF_ENDPOINT} as the official clients read it (mirrors, tests)
 * @param token          the token used when a push names none; {@code HF_TOKEN} as the official clients read it
 * @param maxAttempts    tries per Hub call answered 408, 429, 5xx or not at all (the commit only on 429)
 * @param initialBackoff first wait between tries, doubled each time (a Retry-After answer wins)
 */
@ConfigurationProperties("qaforge.hub")
public record HubProperties(URI endpoint, String token, int maxAttempts, Duration initialBackoff) {

    public HubProperties {
        endpoint = URI.create((endpoint == null ? "https://huggingface.co" : endpoint.toString()).replaceAll("/+$", ""));
        maxAttempts = maxAttempts < 1 ? 5 : maxAttempts;
        initialBackoff = initialBackoff == null ? Duration.ofSeconds(1) : initialBackoff;
    }

    @Override
    public String toString() {
        return "HubProperties[endpoint=" + endpoint + ", token hidden]";
    }
}
