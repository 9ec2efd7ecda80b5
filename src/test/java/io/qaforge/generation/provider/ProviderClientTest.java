package io.qaforge.generation.provider;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProviderClientTest {

    @Test
    void goDurationsAsOpenAiSendsThem() {
        assertThat(ProviderClient.goDuration("6m0s")).hasSeconds(360);
        assertThat(ProviderClient.goDuration("12ms")).hasMillis(12);
        assertThat(ProviderClient.goDuration("9.816s")).hasMillis(9816);
    }
}
