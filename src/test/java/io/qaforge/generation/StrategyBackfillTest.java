package io.qaforge.generation;

import java.util.Map;
import java.util.UUID;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import io.qaforge.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/** V16: a job stored before fact jobs, without a strategy, is a recipe job; a stored strategy stays as it was. */
class StrategyBackfillTest {

    @Test
    void jobsStoredWithoutAStrategyBecomeRecipeJobs() {
        Map<String, Object> db = TestDatabase.properties();
        // A schema of its own: the application contexts of this JVM keep theirs at the latest version.
        String schema = "backfill_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        var dataSource = new SingleConnectionDataSource((String) db.get("spring.datasource.url"),
                (String) db.get("spring.datasource.username"), (String) db.get("spring.datasource.password"), true);
        try {
            Flyway.configure().dataSource(dataSource).schemas(schema).target("15").load().migrate();
            JdbcClient jdbc = JdbcClient.create(dataSource);
            UUID old = UUID.randomUUID(), facts = UUID.randomUUID();
            for (var job : Map.of(old, "{\"temperatures\": [0.5]}", facts, "{\"strategy\": \"FACTS\"}").entrySet()) {
                jdbc.sql("INSERT INTO " + schema + ".job (id, status, provider, model, context, params, estimate) "
                                + "VALUES (?, 'SUCCEEDED', 'openai', 'gpt-4o-mini', 'A document.', ?::jsonb, '{}')")
                        .params(job.getKey(), job.getValue()).update();
            }

            Flyway.configure().dataSource(dataSource).schemas(schema).load().migrate();

            String strategy = "SELECT params ->> 'strategy' FROM " + schema + ".job WHERE id = ?";
            assertThat(jdbc.sql(strategy).param(old).query(String.class).single()).isEqualTo("RECIPE");
            assertThat(jdbc.sql(strategy).param(facts).query(String.class).single()).isEqualTo("FACTS");
            assertThat(jdbc.sql("SELECT params ->> 'temperatures' FROM " + schema + ".job WHERE id = ?").param(old)
                    .query(String.class).single()).as("the rest of params is kept").isEqualTo("[0.5]");
        } finally {
            JdbcClient.create(dataSource).sql("DROP SCHEMA IF EXISTS " + schema + " CASCADE").update();
            dataSource.destroy();
        }
    }
}
