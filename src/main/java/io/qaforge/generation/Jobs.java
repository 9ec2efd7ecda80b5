package io.qaforge.generation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.document.DocumentRepository;
import io.qaforge.generation.job.JobPlanner;
import io.qaforge.generation.job.JobRequest;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.JobStore;
import io.qaforge.generation.job.JobViews;
import io.qaforge.generation.job.Specs;
import io.qaforge.generation.job.TopUpPlanner;
import io.qaforge.generation.queue.GenerationEngine;
import io.qaforge.generation.steps.JobDiversity;
import io.qaforge.generation.steps.TopUps;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.Ids;
import io.qaforge.system.ProblemType;

/**
 * What other features may ask about jobs, so that only this feature reads its own tables. Bulk reads in SQL (an
 * export's stream of pairs, a training run waiting for its job) go through the views of this feature's migrations
 * instead: {@code accepted_pair} and {@code job_state}.
 */
@Component
public class Jobs {

    /**
     * What a dataset built from some jobs is made of, for its card. Lists are distinct and sorted.
     *
     * @param grounding the fact jobs' facts and coverage and the judge's verdicts; null when no job has facts or a judge
     */
    public record Description(List<SourceDocument> documents, List<String> models, List<String> contexts,
                              List<String> temperatures, List<String> variants, List<String> prompts, Grounding grounding) {
    }

    public record SourceDocument(String name, String sha256, int pages) {
    }

    /**
     * @param covered       facts whose accepted pairs reached their job's coverage target
     * @param targets       the targets, as "6 phrasings, 2 reverse"
     * @param judges        the judging models, as "model (provider)"
     * @param judgePassRate passed over judged; null before any verdict
     * @param leaksRemoved  train pairs removed as near-duplicates of a test question
     */
    public record Grounding(long facts, long covered, List<String> targets, List<String> judges, long judgePassed,
                            long judgeFailed, Double judgePassRate, long leaksRemoved) {
    }

    /** A held-out pair: what an exam asks, with the facts it tests and its direction (null in recipe jobs). */
    public record ExamPair(long id, String question, String answer, long chunkId, List<Long> factIds, String direction) {
    }

    /** Most facts or chunks one remediation job may target. */
    public static final int MAX_REMEDIATION_TARGETS = 100_000;

    private final JdbcClient jdbc;
    private final DocumentRepository documents;
    private final JsonMapper json;
    private final JobViews views;
    private final Specs specs;
    private final TopUpPlanner topUps;
    private final JobStore store;
    private final GenerationEngine engine;
    private final JobDiversity diversity;

    Jobs(JdbcClient jdbc, DocumentRepository documents, JsonMapper json, JobViews views, Specs specs, TopUpPlanner topUps,
         JobStore store, GenerationEngine engine, JobDiversity diversity) {
        this.diversity = diversity;
        this.jdbc = jdbc;
        this.documents = documents;
        this.json = json;
        this.views = views;
        this.specs = specs;
        this.topUps = topUps;
        this.store = store;
        this.engine = engine;
    }

    /** The ids among these that name no job. */
    public List<UUID> unknown(Collection<UUID> ids) {
        return jdbc.sql("SELECT u FROM unnest(?::uuid[]) u WHERE NOT EXISTS (SELECT 1 FROM job WHERE id = u)")
                .param(array(ids)).query(UUID.class).list();
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
        jdbc.sql("SELECT split, count(*) AS pairs FROM accepted_pair WHERE job_id = ANY(?::uuid[]) GROUP BY split")
                .param(array(jobIds)).query(rs -> {
                    counts.put(rs.getString("split"), rs.getLong("pairs"));
                });
        return counts;
    }

    /** How varied these jobs' accepted pairs and study passages are, measured together. */
    public Diversity.Figures diversity(Collection<UUID> jobIds) {
        return diversity.measure(jobIds);
    }

    /** The jobs' accepted study passages; none where they write none. */
    public long acceptedPassages(Collection<UUID> jobIds) {
        return jdbc.sql("SELECT count(*) FROM accepted_passage WHERE job_id = ANY(?::uuid[])").param(array(jobIds))
                .query(Long.class).single();
    }

    /** The documents these jobs generate from. */
    public List<UUID> documentIds(Collection<UUID> jobIds) {
        return jdbc.sql("SELECT DISTINCT document_id FROM job_document WHERE job_id = ANY(?::uuid[])")
                .param(array(jobIds)).query(UUID.class).list();
    }

    /** Sources, models, contexts and prompts of these jobs, and the temperatures and variants of their accepted pairs. */
    public Description describe(Collection<UUID> jobIds) {
        Object ids = array(jobIds);
        List<SourceDocument> sources = documents.findByIdInOrderByNameAscSha256Asc(documentIds(jobIds)).stream()
                .map(d -> new SourceDocument(d.getName(), d.getSha256(), d.getPages()))
                .toList();
        List<String> models = jdbc.sql("SELECT DISTINCT model || ' (' || provider || ')' FROM job WHERE id = ANY(?::uuid[]) ORDER BY 1")
                .param(ids).query(String.class).list();
        List<String> contexts = jdbc.sql("SELECT DISTINCT context FROM job WHERE id = ANY(?::uuid[]) AND context <> '' ORDER BY 1")
                .param(ids).query(String.class).list();
        List<String> temperatures = jdbc.sql("SELECT DISTINCT temperature::float8::text FROM accepted_pair WHERE job_id = ANY(?::uuid[])")
                .param(ids).query(String.class).list().stream().sorted(Comparator.comparingDouble(Double::parseDouble)).toList();
        List<String> variants = jdbc.sql("SELECT DISTINCT variant FROM accepted_pair WHERE job_id = ANY(?::uuid[]) ORDER BY 1")
                .param(ids).query(String.class).list();
        List<String> prompts = new ArrayList<>();
        for (String params : jdbc.sql("SELECT params::text FROM job WHERE id = ANY(?::uuid[]) ORDER BY id").param(ids).query(String.class).list()) {
            prompts(params).stream().filter(p -> !prompts.contains(p)).forEach(prompts::add);
        }
        return new Description(sources, models, contexts, temperatures, variants, prompts, grounding(jobIds));
    }

    private Grounding grounding(Collection<UUID> jobIds) {
        long facts = 0, covered = 0, passed = 0, failed = 0, leaks = 0;
        var targets = new java.util.TreeSet<String>();
        var judges = new java.util.TreeSet<String>();
        for (JobViews.View view : views.views(jobIds)) {
            if (view.coverage() != null) {
                facts += view.coverage().facts();
                covered += view.coverage().covered();
                targets.add(view.coverage().target().phrasings() + " phrasings, " + view.coverage().target().reverse() + " reverse");
            }
            if (view.judge() != null) {
                passed += view.judge().passed();
                failed += view.judge().failed();
                judges.add(view.judge().model() + " (" + view.judge().provider() + ")");
            }
            leaks += view.leaksRemoved();
        }
        if (targets.isEmpty() && judges.isEmpty()) {
            return null;
        }
        return new Grounding(facts, covered, List.copyOf(targets), List.copyOf(judges), passed, failed,
                passed + failed == 0 ? null : (double) passed / (passed + failed), leaks);
    }

    /** Whether any of these jobs is a fact job (its pairs carry facts and directions). */
    public boolean anyFactJob(Collection<UUID> jobIds) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM job WHERE id = ANY(?::uuid[]) AND params ->> 'strategy' = 'FACTS')")
                .param(array(jobIds)).query(Boolean.class).single();
    }

    /** For each of these facts that one of these jobs holds, that job (the first by id when several do). */
    public Map<Long, UUID> jobsOfFacts(Collection<UUID> jobIds, Collection<Long> factIds) {
        Map<Long, UUID> owners = new HashMap<>();
        jdbc.sql("SELECT DISTINCT ON (fact_id) fact_id, job_id FROM job_fact WHERE job_id = ANY(?::uuid[]) AND fact_id = ANY(?) ORDER BY fact_id, job_id")
                .param(array(jobIds)).param(factIds.toArray(Long[]::new)).query(rs -> {
                    owners.put(rs.getLong("fact_id"), rs.getObject("job_id", UUID.class));
                });
        return owners;
    }

    /** The job's accepted test-split pairs, chunk by chunk: the exam of a model trained on the job. */
    public List<ExamPair> testPairs(UUID jobId) {
        requireExists(jobId);
        return jdbc.sql("""
                        SELECT id, question, answer, chunk_id, fact_ids, direction FROM accepted_pair
                        WHERE job_id = ? AND split = 'test' ORDER BY chunk_id, id""").param(jobId)
                .query((rs, i) -> new ExamPair(rs.getLong("id"), rs.getString("question"), rs.getString("answer"), rs.getLong("chunk_id"),
                        Ids.list(rs.getArray("fact_ids")), rs.getString("direction"))).list();
    }

    /**
     * Queues a remediation job: more phrasings, in both directions and at temperatures neither the job, the jobs it
     * tops up nor its earlier remediation jobs used, of exactly these facts (a fact job; {@code chunkIds} adds all the
     * job's facts of those chunks) or chunks (a recipe job), with the job's documents, provider, model, context, prompts, judge and coverage target, under its own budget. Its
     * pairs all train and never near-copy the job's test questions; its view names the job as {@code parentJobId}.
     *
     * @return the new job's id
     * @throws ApiProblem 404 for an unknown job; 400/422 for targets the job does not have, none at all, or a bad budget
     */
    public UUID remediate(UUID jobId, Collection<Long> factIds, Collection<Long> chunkIds, BigDecimal maxCostUsd) {
        UUID id = store.create(planRemediation(jobId, factIds, chunkIds, maxCostUsd));
        engine.wake();
        return id;
    }

    /** What {@link #remediate} would queue would cost, without queueing it. */
    public Estimate estimateRemediation(UUID jobId, Collection<Long> factIds, Collection<Long> chunkIds) {
        return planRemediation(jobId, factIds, chunkIds, null).estimate();
    }

    private JobPlanner.Plan planRemediation(UUID jobId, Collection<Long> factIds, Collection<Long> chunkIds, BigDecimal maxCostUsd) {
        requireExists(jobId);
        Set<Long> facts = factIds == null ? Set.of() : new LinkedHashSet<>(factIds);
        Set<Long> chunks = chunkIds == null ? Set.of() : new LinkedHashSet<>(chunkIds);
        if (facts.size() + chunks.size() > MAX_REMEDIATION_TARGETS) {
            throw ApiProblem.badRequest(ProblemType.TOO_MANY_TARGETS, "Too many targets",
                    "A remediation job targets at most " + MAX_REMEDIATION_TARGETS + " facts and chunks");
        }
        if (maxCostUsd != null && (maxCostUsd.signum() <= 0 || maxCostUsd.compareTo(new BigDecimal(JobRequest.MAX_COST_USD)) > 0)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_BUDGET, "Invalid budget", "maxCostUsd lies in (0, " + JobRequest.MAX_COST_USD + "]");
        }
        JobSpec spec = specs.of(jobId);
        Map<Long, List<Long>> targets = new TreeMap<>();
        if (spec.params().facts()) {
            Map<Long, Long> chunkOf = new HashMap<>();
            Map<Long, List<Long>> ledger = new HashMap<>();
            jdbc.sql("""
                            SELECT jf.chunk_id, jf.fact_id FROM job_fact jf JOIN fact f ON f.id = jf.fact_id
                            WHERE jf.job_id = ? AND (jf.fact_id = ANY(?) OR jf.chunk_id = ANY(?)) ORDER BY jf.chunk_id, f.ordinal""")
                    .param(jobId).param(facts.toArray(Long[]::new)).param(chunks.toArray(Long[]::new)).query(rs -> {
                        chunkOf.put(rs.getLong("fact_id"), rs.getLong("chunk_id"));
                        ledger.computeIfAbsent(rs.getLong("chunk_id"), c -> new ArrayList<>()).add(rs.getLong("fact_id"));
                    });
            unknown("fact", facts.stream().filter(fact -> !chunkOf.containsKey(fact)).toList(), jobId);
            unknown("chunk", chunks.stream().filter(chunk -> !ledger.containsKey(chunk)).toList(), jobId);
            ledger.forEach((chunk, ids) -> ids.stream()
                    .filter(fact -> chunks.contains(chunk) || facts.contains(fact))
                    .forEach(fact -> targets.computeIfAbsent(chunk, c -> new ArrayList<>()).add(fact)));
        } else {
            if (!facts.isEmpty()) {
                throw ApiProblem.badRequest(ProblemType.NOT_A_FACT_JOB, "Not a fact job",
                        "Job " + jobId + " uses the recipe strategy and has no facts: name its chunks instead");
            }
            Set<Long> known = new HashSet<>(jdbc.sql("SELECT DISTINCT chunk_id FROM task WHERE job_id = ? AND chunk_id = ANY(?)")
                    .param(jobId).param(chunks.toArray(Long[]::new)).query(Long.class).list());
            unknown("chunk", chunks.stream().filter(chunk -> !known.contains(chunk)).toList(), jobId);
            chunks.forEach(chunk -> targets.put(chunk, List.of()));
        }
        if (targets.isEmpty()) {
            throw ApiProblem.badRequest(ProblemType.NOTHING_TO_REMEDIATE, "Nothing to remediate", "Name the facts or chunks to top up");
        }
        // Earlier remediations of the job count too: a third round's phrasings differ from the second's.
        List<BigDecimal> used = jdbc.sql(TopUps.LINEAGE + """
                        , descendants AS (
                            SELECT id FROM job WHERE id = ?
                            UNION
                            SELECT j.id FROM job j JOIN descendants d ON j.parent_job_id = d.id)
                        SELECT DISTINCT temperature FROM task
                        WHERE job_id IN (SELECT id FROM lineage UNION SELECT id FROM descendants) AND kind = 'pairs'""")
                .params(jobId, jobId).query(BigDecimal.class).list();
        return topUps.plan(jobId, spec, targets, maxCostUsd, used);
    }

    private static void unknown(String what, List<Long> ids, UUID jobId) {
        if (!ids.isEmpty()) {
            throw new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, what.equals("fact") ? ProblemType.UNKNOWN_FACT : ProblemType.UNKNOWN_CHUNK, "Unknown " + what,
                    "Job " + jobId + " has no " + what + (ids.size() == 1 ? " " : "s ")
                            + ids.stream().limit(10).map(String::valueOf).collect(java.util.stream.Collectors.joining(", "))
                            + (ids.size() > 10 ? ", …" : ""));
        }
    }

    /** The prompt templates a job kept in its params, by variant; a job stored without them has none to show. */
    private List<String> prompts(String params) {
        List<String> prompts = new ArrayList<>();
        try {
            json.readTree(params).path("prompts").forEach(template -> {
                if (template.isString()) {
                    prompts.add(template.asString());
                }
            });
        } catch (JacksonException malformed) {
            // A description without the prompt is still useful.
        }
        return prompts;
    }

    /** Ids as an SQL array parameter ({@code ?::uuid[]}). */
    public static String[] array(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).toArray(String[]::new);
    }
}
