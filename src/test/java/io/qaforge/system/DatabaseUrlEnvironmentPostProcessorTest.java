package io.qaforge.system;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseUrlEnvironmentPostProcessorTest {

    @Test
    void conventionalDatabaseUrlBecomesJdbcSettings() {
        assertThat(DatabaseUrlEnvironmentPostProcessor.toDataSourceProperties("postgres://app:p%40ss@db.example:6543/qa?sslmode=require"))
                .containsEntry("spring.datasource.url", "jdbc:postgresql://db.example:6543/qa?sslmode=require")
                .containsEntry("spring.datasource.username", "app")
                .containsEntry("spring.datasource.password", "p@ss");
        assertThat(DatabaseUrlEnvironmentPostProcessor.toDataSourceProperties("postgresql://db/qa"))
                .containsEntry("spring.datasource.url", "jdbc:postgresql://db:5432/qa")
                .doesNotContainKey("spring.datasource.username");
        assertThat(DatabaseUrlEnvironmentPostProcessor.toDataSourceProperties("jdbc:postgresql://db/qa"))
                .containsEntry("spring.datasource.url", "jdbc:postgresql://db/qa");
    }
}
