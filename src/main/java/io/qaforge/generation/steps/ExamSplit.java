package io.qaforge.generation.steps;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.JobStatus;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.Specs;
import io.qaforge.generation.quality.NearDuplicates;
import io.qaforge.generation.queue.JobEnded;
import io.qaforge.system.Ids;
import io.qaforge.system.Sha256;

/**
 * Holds out a job's exam when it ends, chunk by chunk (a fact's phrasings all live in its chunk). Split by fact, every
 * fact with two or more accepted pairs keeps at least one of them in {@code test} in each direction it has (more in
 * proportion to the test fraction), as long as one stays in {@code train}; the choice is a function of the seed and the
 * pairs. Then no train question may be a near-duplicate of a test question ({@link NearDuplicates}), this job's or
 * (for a remediation job) its parents': such a leak is rejected as {@code test_leak}. A job that ends again (resumed,
 * retried) is split again from its accepted pairs.
 */
@Component
public class ExamSplit {

    public static final String LEAK = "test_leak";

    private record Candidate(long id, String split, List<Long> factIds, String direction, long dedupeKey, Set<Long> shingles) {
    }

    private final JdbcClient jdbc;
    private final Specs specs;

    ExamSplit(JdbcClient jdbc, Specs specs) {
        this.jdbc = jdbc;
        this.specs = specs;
    }

    /** A job split by fact holds out its exam when it ends with pairs to use (again after a resume or retry). */
    @EventListener
    @Order(1) // before StudyLeaks and JobDiversity, which read the split
    void on(JobEnded ended) {
        if (JobStatus.DATASET_READY.contains(ended.status())) {
            apply(ended.jobId());
        }
    }

    /** Inside the transaction that ends the job. */
    void apply(UUID jobId) {
        JobSpec spec = specs.of(jobId);
        boolean byFact = spec.params().splitBy() == Splits.By.FACT;
        boolean hasParent = jdbc.sql("SELECT parent_job_id IS NOT NULL FROM job WHERE id = ?").param(jobId).query(Boolean.class).single();
        if (!byFact && !hasParent) {
            return;
        }
        List<Long> chunkIds = jdbc.sql("SELECT DISTINCT chunk_id FROM qa_pair WHERE job_id = ? AND rejected_reason IS NULL ORDER BY 1")
                .param(jobId).query(Long.class).list();
        for (long chunkId : chunkIds) {
            List<Candidate> pairs = accepted(jobId, chunkId);
            Set<Long> test = byFact ? heldOut(pairs, spec.params().seed(), spec.params().testFraction()) : Set.of();
            List<Set<Long>> exam = new ArrayList<>(ancestorTests(jobId, chunkId));
            pairs.stream().filter(p -> test.contains(p.id())).forEach(p -> exam.add(p.shingles()));
            List<Long> ids = new ArrayList<>();
            List<String> splits = new ArrayList<>();
            List<String> reasons = new ArrayList<>();
            for (Candidate pair : pairs) {
                boolean held = test.contains(pair.id());
                boolean leak = !held && exam.stream().anyMatch(question -> NearDuplicates.near(question, pair.shingles()));
                String split = held ? "test" : "train";
                if (leak || !split.equals(pair.split())) {
                    ids.add(pair.id());
                    splits.add(split);
                    reasons.add(leak ? LEAK : null);
                }
            }
            if (ids.isEmpty()) {
                continue;
            }
            // One statement for the chunk's changes: the columns as arrays, zipped back into rows by unnest.
            jdbc.sql("""
                            UPDATE qa_pair SET split = u.split, rejected_reason = u.reason
                            FROM unnest(?::bigint[], ?::text[], ?::text[]) AS u(id, split, reason) WHERE qa_pair.id = u.id""")
                    .params(ids.toArray(Long[]::new), splits.toArray(String[]::new), reasons.toArray(String[]::new)).update();
        }
    }

    /** The pairs to hold out: per fact and direction, seeded picks that prefer pairs testing one fact only. */
    private static Set<Long> heldOut(List<Candidate> pairs, long seed, double testFraction) {
        Set<Long> test = new HashSet<>();
        if (testFraction <= 0) {
            return test;
        }
        Map<Long, List<Candidate>> byFact = new LinkedHashMap<>();
        for (Candidate pair : pairs) {
            pair.factIds().forEach(fact -> byFact.computeIfAbsent(fact, f -> new ArrayList<>()).add(pair));
        }
        Comparator<Candidate> order = Comparator.<Candidate>comparingInt(p -> p.factIds().size())
                .thenComparingLong(p -> rank(seed, p.dedupeKey()));
        byFact.keySet().stream().sorted().forEach(fact -> {
            List<Candidate> phrasings = byFact.get(fact);
            if (phrasings.size() < 2) {
                return;
            }
            for (String direction : List.of("forward", "reverse")) {
                List<Candidate> inDirection = phrasings.stream().filter(p -> direction.equals(p.direction())).sorted(order).toList();
                long wanted = Math.max(1, Math.round(Math.floor(inDirection.size() * testFraction)));
                long held = inDirection.stream().filter(p -> test.contains(p.id())).count();
                for (Candidate pair : inDirection) {
                    long training = phrasings.stream().filter(p -> !test.contains(p.id())).count();
                    if (held >= wanted || training <= 1) {
                        break;
                    }
                    if (test.add(pair.id())) {
                        held++;
                    }
                }
            }
        });
        return test;
    }

    private List<Candidate> accepted(UUID jobId, long chunkId) {
        return jdbc.sql("""
                        SELECT id, split, fact_ids, direction, dedupe_key, question FROM qa_pair
                        WHERE job_id = ? AND chunk_id = ? AND rejected_reason IS NULL AND judge_verdict IS DISTINCT FROM 'pending'
                        ORDER BY id""")
                .params(jobId, chunkId)
                .query((rs, i) -> new Candidate(rs.getLong("id"), rs.getString("split"),
                        Objects.requireNonNullElse(Ids.list(rs.getArray("fact_ids")), List.of()), rs.getString("direction"),
                        rs.getLong("dedupe_key"), NearDuplicates.shingles(rs.getString("question")))).list();
    }

    /** The test questions of the chunk in the jobs this one tops up (its parent, theirs, ...): the exam it must not leak. */
    private List<Set<Long>> ancestorTests(UUID jobId, long chunkId) {
        return jdbc.sql(TopUps.LINEAGE + """
                        SELECT question FROM qa_pair
                        WHERE job_id IN (SELECT id FROM lineage WHERE id <> ?) AND chunk_id = ? AND split = 'test'
                          AND rejected_reason IS NULL AND judge_verdict IS DISTINCT FROM 'pending'""")
                .params(jobId, jobId, chunkId)
                .query((rs, i) -> NearDuplicates.shingles(rs.getString("question"))).list();
    }

    /** The seeded order of a pair among its fact's phrasings: SHA-256, so it does not depend on the JVM. */
    private static long rank(long seed, long dedupeKey) {
        return ByteBuffer.wrap(Sha256.of(ByteBuffer.allocate(16).putLong(seed).putLong(dedupeKey).array())).getLong();
    }
}
