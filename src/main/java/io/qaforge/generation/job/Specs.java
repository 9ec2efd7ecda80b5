package io.qaforge.generation.job;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** What running a job's tasks needs of the job, fixed at its creation: read once per job and kept. */
@Component
public class Specs {

    private final JdbcClient db;
    private final JsonMapper json;
    private final Map<UUID, JobSpec> specs = new ConcurrentHashMap<>();

    Specs(JdbcClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public JobSpec of(UUID id) {
        return specs.computeIfAbsent(id, this::read);
    }

    private JobSpec read(UUID id) {
        return db.sql("SELECT id, provider, model, context, params FROM job WHERE id = ?").param(id)
                .query((rs, i) -> new JobSpec(rs.getObject("id", UUID.class), rs.getString("provider"), rs.getString("model"),
                        rs.getString("context"), params(rs.getString("params"))))
                .optional().orElseThrow(() -> new IllegalStateException("No job " + id));
    }

    private JobParams params(String value) {
        try {
            return json.readValue(value, JobParams.class);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
