package io.qaforge.generation.steps;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.job.CallEstimates;
import io.qaforge.generation.job.JobPlanner;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.quality.Grounding;
import io.qaforge.generation.quality.NearDuplicates;
import io.qaforge.generation.quality.PairFilter;
import io.qaforge.generation.quality.PairParser;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.NewTasks;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.system.Ids;

import static io.qaforge.system.Unnest.column;

/**
 * Stores a finished pair call's pairs: each goes through the gate (syntactic filters, grounding checks, a fact to test
 * in fact jobs, duplicates and near-duplicates of the chunk's pairs so far), gets its dedupe key and split, and is
 * inserted in one batch per kind; a pair that passes awaits the judge where the job has one, and the judge's call is
 * queued. Runs inside the transaction that marks the task done (which holds the chunk's lock), so a task's pairs are
 * stored exactly once and compared with every earlier pair of their chunk.
 */
@Component
public class PairWriter {

    /** A parsed pair with the facts it tests and its direction (null in recipe jobs). */
    record Draft(PairParser.Pair pair, List<Long> factIds, String direction) {
    }

    /** One {@code qa_pair} row as inserted. */
    record PairRow(long id, UUID jobId, long taskId, long chunkId, int ordinal, String question, String answer,
                   BigDecimal temperature, String variant, String model, int attempt, String split, String rejectedReason,
                   long dedupeKey, Long[] factIds, String direction, String judgeVerdict) {

        PairRow duplicate() {
            return new PairRow(id, jobId, taskId, chunkId, ordinal, question, answer, temperature, variant, model, attempt,
                    split, "duplicate", dedupeKey, factIds, direction, null);
        }
    }

    /** How a job splits its pairs, fixed at creation. */
    public record SplitRule(long seed, Splits.By by, double testFraction) {

        String assign(long chunkId, long dedupeKey) {
            return Splits.assign(seed, by, chunkId, dedupeKey, testFraction);
        }
    }

    /** A pair of the chunk that still counts (accepted, or awaiting its judge). */
    private record Kept(long dedupeKey, Set<Long> shingles, List<Long> factIds) {
    }

    /**
     * One statement for all of a kind's rows: the columns as arrays, zipped back into rows by unnest, inserted in
     * dedupe-key order. A row's fact ids travel as an array literal, since unnest cannot zip arrays of different lengths.
     */
    private static final String INSERT = """
            INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model,
                                 attempt, split, rejected_reason, dedupe_key, fact_ids, direction, judge_verdict)
            SELECT p.id, p.job_id, p.task_id, p.chunk_id, p.ordinal, p.question, p.answer, p.temperature, p.variant, p.model,
                   p.attempt, p.split, p.rejected_reason, p.dedupe_key, p.fact_ids::bigint[], p.direction, p.judge_verdict
            FROM unnest(?::bigint[], ?::uuid[], ?::bigint[], ?::bigint[], ?::int[], ?::text[], ?::text[], ?::numeric[], ?::text[],
                        ?::text[], ?::int[], ?::text[], ?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[])
                 AS p(id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model, attempt, split,
                      rejected_reason, dedupe_key, fact_ids, direction, judge_verdict)
            ORDER BY p.dedupe_key""";

    private final JdbcClient jdbc;
    private final Ids ids;
    private final NewTasks tasks;
    private final CallEstimates estimates;
    private final Providers providers;
    private final TopUps topUps;

    PairWriter(JdbcClient jdbc, Ids ids, NewTasks tasks, CallEstimates estimates, Providers providers, TopUps topUps) {
        this.jdbc = jdbc;
        this.ids = ids;
        this.tasks = tasks;
        this.estimates = estimates;
        this.providers = providers;
        this.topUps = topUps;
    }

    /**
     * Accepted pairs go in first, in dedupe-key order (so two tasks racing on the same pairs wait on each other in the
     * same order and cannot deadlock); the unique index lets only one copy per job in, the others are stored as
     * duplicates. Rejected pairs are stored too, with their reason.
     */
    void write(TaskQueue.Claimed task, JobSpec spec, Grounding gate, int chunkTokens, List<Draft> drafts) {
        boolean facts = spec.params().facts();
        boolean judging = spec.params().judge() != null;
        String model = spec.model();
        List<Long> rowIds = ids.next(Ids.Sequence.qa_pair_seq, drafts.size());
        List<Kept> kept = kept(task);
        Set<Long> keys = new HashSet<>();
        kept.forEach(pair -> keys.add(pair.dedupeKey()));
        List<PairRow> candidates = new ArrayList<>();
        List<PairRow> rejected = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            Draft draft = drafts.get(i);
            PairParser.Pair pair = draft.pair();
            long key = PairFilter.dedupeKey(pair);
            List<Long> factIds = draft.factIds() == null ? List.of() : draft.factIds();
            Set<Long> shingles = NearDuplicates.shingles(pair.question());
            String reason = gate.rejectReason(pair);
            if (reason == null && facts && factIds.isEmpty()) {
                reason = "no_fact";
            }
            if (reason == null && !keys.add(key)) {
                reason = "duplicate";
            }
            if (reason == null && nearDuplicate(kept, shingles, facts ? factIds : null)) {
                reason = "near_duplicate";
            }
            if (reason == null) {
                kept.add(new Kept(key, shingles, factIds));
            }
            var row = new PairRow(rowIds.get(i), task.jobId(), task.id(), task.chunkId(), i, pair.question(), pair.answer(),
                    task.temperature(), task.variant(), model, task.attempt(), spec.splitRule().assign(task.chunkId(), key), reason,
                    key, facts ? factIds.toArray(Long[]::new) : null, facts ? draft.direction() : null,
                    reason == null && judging ? "pending" : null);
            (reason == null ? candidates : rejected).add(row);
        }
        Set<Long> inserted = insert(INSERT + " ON CONFLICT (job_id, dedupe_key) WHERE rejected_reason IS NULL DO NOTHING", candidates);
        int judged = 0;
        for (PairRow candidate : candidates) {
            if (inserted.contains(candidate.id())) {
                judged++;
            } else {
                rejected.add(candidate.duplicate());
            }
        }
        insert(INSERT, rejected);
        if (judging && judged > 0) {
            queueJudge(task, spec, chunkTokens, judged);
        } else {
            topUps.afterCall(task);
        }
    }

    /** The judge's call for this task's pairs, on the judge's provider (null where that is the job's own). */
    private void queueJudge(TaskQueue.Claimed task, JobSpec spec, int chunkTokens, int pairs) {
        JobPlanner.Judge judge = spec.params().judge();
        ProviderClient client = providers.client(judge.provider());
        boolean json = client != null && client.config.structuredOutput();
        CallEstimate call = estimates.judgeCall(spec, json, chunkTokens, pairs);
        tasks.insert(List.of(new NewTasks.Row(task.jobId(), task.chunkId(), BigDecimal.ZERO.setScale(3), task.variant(), TaskKind.JUDGE,
                task.round(), judge.provider().equals(spec.provider()) ? null : judge.provider(), task.id(), pairs,
                call)));
    }

    /** Near-duplicate of a kept pair of the same fact (fact jobs) or of the chunk (recipe jobs: {@code factIds} null). */
    private static boolean nearDuplicate(List<Kept> kept, Set<Long> shingles, List<Long> factIds) {
        for (Kept pair : kept) {
            boolean sameScope = factIds == null || pair.factIds().stream().anyMatch(factIds::contains);
            if (sameScope && NearDuplicates.near(pair.shingles(), shingles)) {
                return true;
            }
        }
        return false;
    }

    /** The ids of the rows that went in. */
    private Set<Long> insert(String sql, List<PairRow> rows) {
        if (rows.isEmpty()) {
            return Set.of();
        }
        return jdbc.sql(sql + " RETURNING id")
                .params(column(rows, PairRow::id, Long[]::new), column(rows, r -> r.jobId().toString(), String[]::new),
                        column(rows, PairRow::taskId, Long[]::new), column(rows, PairRow::chunkId, Long[]::new),
                        column(rows, PairRow::ordinal, Integer[]::new), column(rows, PairRow::question, String[]::new),
                        column(rows, PairRow::answer, String[]::new),
                        column(rows, r -> r.temperature().toPlainString(), String[]::new), column(rows, PairRow::variant, String[]::new),
                        column(rows, PairRow::model, String[]::new), column(rows, PairRow::attempt, Integer[]::new),
                        column(rows, PairRow::split, String[]::new), column(rows, PairRow::rejectedReason, String[]::new),
                        column(rows, PairRow::dedupeKey, Long[]::new),
                        column(rows, r -> r.factIds() == null ? null
                                : Arrays.stream(r.factIds()).map(String::valueOf).collect(Collectors.joining(",", "{", "}")), String[]::new),
                        column(rows, PairRow::direction, String[]::new), column(rows, PairRow::judgeVerdict, String[]::new))
                .query(Long.class).set();
    }

    private List<Kept> kept(TaskQueue.Claimed task) {
        return new ArrayList<>(jdbc.sql("""
                        SELECT dedupe_key, question, fact_ids FROM qa_pair
                        WHERE job_id = ? AND chunk_id = ? AND rejected_reason IS NULL""")
                .params(task.jobId(), task.chunkId())
                .query((rs, i) -> new Kept(rs.getLong("dedupe_key"), NearDuplicates.shingles(rs.getString("question")),
                        Objects.requireNonNullElse(Ids.list(rs.getArray("fact_ids")), List.of()))).list());
    }
}
