package io.qaforge.system;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param apiToken      required as a bearer token on {@code /api/**} when set ({@code QAFORGE_API_TOKEN})
 * @param workerToken   required on {@code /api/worker/**} when set ({@code QAFORGE_WORKER_TOKEN})
 * @param metricsPublic serve {@code /actuator/prometheus} without the API token ({@code QAFORGE_METRICS_PUBLIC})
 */
@ConfigurationProperties("qaforge.security")
public record SecurityProperties(String apiToken, String workerToken, boolean metricsPublic) {

    @Override
    public String toString() {
        return "SecurityProperties[secrets hidden, metricsPublic=" + metricsPublic + "]";
    }
}
