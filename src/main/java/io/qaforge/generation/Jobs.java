package io.qaforge.generation;

import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.qaforge.system.ApiProblem;

/** What other features may ask about jobs, so that only this feature reads its own table. */
@Component
public class Jobs {

    private final JdbcTemplate jdbc;

    Jobs(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The ids among these that name no job. */
    public List<UUID> unknown(Collection<UUID> ids) {
        return jdbc.queryForList("SELECT u FROM unnest(?::uuid[]) u WHERE NOT EXISTS (SELECT 1 FROM job WHERE id = u)",
                UUID.class, (Object) ids.stream().map(UUID::toString).toArray(String[]::new));
    }

    /** @throws ApiProblem 404 when there is no such job */
    public void requireExists(UUID id) {
        if (!unknown(List.of(id)).isEmpty()) {
            throw ApiProblem.notFound("Job", id);
        }
    }
}
