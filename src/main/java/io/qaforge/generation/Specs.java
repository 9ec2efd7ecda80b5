package io.qaforge.generation;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What running a job's tasks needs of the job, fixed at its creation: read once per job and kept. */
@Component
class Specs {

    private final JdbcClient db;
    private final JsonMapper json;
    private final Map<UUID, JobStore.Spec> specs = new ConcurrentHashMap<>();

    Specs(JdbcClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    JobStore.Spec of(UUID id) {
        return specs.computeIfAbsent(id, this::read);
    }

    private JobStore.Spec read(UUID id) {
        return db.sql("SELECT id, provider, model, context, params FROM job WHERE id = ?").param(id)
                .query((rs, i) -> new JobStore.Spec(rs.getObject("id", UUID.class), rs.getString("provider"), rs.getString("model"),
                        rs.getString("context"), params(rs.getString("params"))))
                .optional().orElseThrow(() -> new IllegalStateException("No job " + id));
    }

    private JobPlanner.Params params(String value) {
        try {
            return json.readValue(value, JobPlanner.Params.class);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
