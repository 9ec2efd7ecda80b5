package io.qaforge.training;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param maxAttempts     claims a run may use up: one whose worker vanished this many times (lease expired) is failed
 *                        with the reason instead of being handed out again; a release (SIGTERM) does not count
 * @param maxArtifactSize the largest adapter or merged-model zip a worker may upload
 * @param retentionDropWarning a run whose share of the retention exam answered right fell by more than this (0.05:
 *                        five points) is flagged as having forgotten what it knew
 */
@ConfigurationProperties("qaforge.training")
record TrainingProperties(@DefaultValue("3") int maxAttempts, @DefaultValue("20GB") DataSize maxArtifactSize,
                          @DefaultValue("0.05") double retentionDropWarning) {
}
