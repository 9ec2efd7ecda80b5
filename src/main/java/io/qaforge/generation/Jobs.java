package io.qaforge.generation;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.qaforge.document.DocumentRepository;
import io.qaforge.system.ApiProblem;

/**
 * What other features may ask about jobs, so that only this feature reads its own tables. Bulk reads in SQL (an
 * export's stream of pairs, a training run waiting for its job) go through the views of this feature's migrations
 * instead: {@code accepted_pair} and {@code job_state}.
 */
@Component
public class Jobs {

    /** What a dataset built from some jobs is made of, for its card. Lists are distinct and sorted. */
    public record Description(List<SourceDocument> documents, List<String> models, List<String> contexts,
                              List<String> temperatures, List<String> variants, List<String> prompts) {
    }

    public record SourceDocument(String name, String sha256, int pages) {
    }

    private final JdbcTemplate jdbc;
    private final DocumentRepository documents;
    private final ObjectMapper json;

    Jobs(JdbcTemplate jdbc, DocumentRepository documents, ObjectMapper json) {
        this.jdbc = jdbc;
        this.documents = documents;
        this.json = json;
    }

    /** The ids among these that name no job. */
    public List<UUID> unknown(Collection<UUID> ids) {
        return jdbc.queryForList("SELECT u FROM unnest(?::uuid[]) u WHERE NOT EXISTS (SELECT 1 FROM job WHERE id = u)",
                UUID.class, (Object) array(ids));
    }

    /** @throws ApiProblem 404 when there is no such job */
    public void requireExists(UUID id) {
        if (!unknown(List.of(id)).isEmpty()) {
            throw ApiProblem.notFound("Job", id);
        }
    }

    /** The jobs' accepted pairs by split ({@code train}, {@code test}); a split without pairs is absent. */
    public Map<String, Long> acceptedPairs(Collection<UUID> jobIds) {
        Map<String, Long> counts = new TreeMap<>();
        jdbc.query("SELECT split, count(*) FROM accepted_pair WHERE job_id = ANY(?::uuid[]) GROUP BY split",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                }, (Object) array(jobIds));
        return counts;
    }

    /** Sources, models, contexts and prompts of these jobs, and the temperatures and variants of their accepted pairs. */
    public Description describe(Collection<UUID> jobIds) {
        Object ids = array(jobIds);
        List<UUID> documentIds = jdbc.queryForList("SELECT DISTINCT document_id FROM job_document WHERE job_id = ANY(?::uuid[])",
                UUID.class, ids);
        List<SourceDocument> sources = documents.findByIdInOrderByNameAscSha256Asc(documentIds).stream()
                .map(d -> new SourceDocument(d.getName(), d.getSha256(), d.getPages()))
                .toList();
        List<String> models = jdbc.queryForList("SELECT DISTINCT model || ' (' || provider || ')' FROM job WHERE id = ANY(?::uuid[]) ORDER BY 1",
                String.class, ids);
        List<String> contexts = jdbc.queryForList("SELECT DISTINCT context FROM job WHERE id = ANY(?::uuid[]) AND context <> '' ORDER BY 1",
                String.class, ids);
        List<String> temperatures = jdbc.queryForList("SELECT DISTINCT temperature::float8::text FROM accepted_pair WHERE job_id = ANY(?::uuid[])",
                String.class, ids).stream().sorted(Comparator.comparingDouble(Double::parseDouble)).toList();
        List<String> variants = jdbc.queryForList("SELECT DISTINCT variant FROM accepted_pair WHERE job_id = ANY(?::uuid[]) ORDER BY 1",
                String.class, ids);
        List<String> prompts = new ArrayList<>();
        for (String params : jdbc.queryForList("SELECT params::text FROM job WHERE id = ANY(?::uuid[]) ORDER BY id", String.class, ids)) {
            prompts(params).stream().filter(p -> !prompts.contains(p)).forEach(prompts::add);
        }
        return new Description(sources, models, contexts, temperatures, variants, prompts);
    }

    /** The prompt templates a job kept in its params, by variant; a job stored without them has none to show. */
    private List<String> prompts(String params) {
        List<String> prompts = new ArrayList<>();
        try {
            json.readTree(params).path("prompts").forEach(template -> {
                if (template.isTextual()) {
                    prompts.add(template.asText());
                }
            });
        } catch (IOException malformed) {
            // A description without the prompt is still useful.
        }
        return prompts;
    }

    /** Ids as an SQL array parameter ({@code ?::uuid[]}). */
    static String[] array(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).toArray(String[]::new);
    }
}
