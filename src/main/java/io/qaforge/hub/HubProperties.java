package io.qaforge.hub;

import java.net.URI;
import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param endpoint       the Hub's base URL; {@code HF_ENDPOINT} as the official clients read it (mirrors, tests), its
 *                       default beside it in application.yml
 * @param token          the token used when a push names none; {@code HF_TOKEN} as the official clients read it
 * @param maxAttempts    tries per Hub call answered 408, 429, 5xx or not at all (the commit only on 429)
 * @param initialBackoff first wait between tries, doubled each time (a Retry-After answer wins)
 */
@ConfigurationProperties("qaforge.hub")
public record HubProperties(URI endpoint, String token, @DefaultValue("5") int maxAttempts,
                            @DefaultValue("1s") Duration initialBackoff) {

    public HubProperties {
        endpoint = URI.create(endpoint.toString().replaceAll("/+$", ""));
    }

    @Override
    public String toString() {
        return "HubProperties[endpoint=" + endpoint + ", token hidden]";
    }
}
