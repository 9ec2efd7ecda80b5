package io.qaforge.generation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Stores a finished task's pairs: each is filtered, given its dedupe key and split, and inserted in one batch per kind.
 * Runs inside the transaction that marks the task done, so a task's pairs are stored exactly once.
 */
@Component
class PairWriter {

    /** One {@code qa_pair} row as inserted. */
    record PairRow(long id, UUID jobId, long taskId, long chunkId, int ordinal, String question, String answer,
                   BigDecimal temperature, String variant, String model, int attempt, String split, String rejectedReason,
                   long dedupeKey) {

        PairRow rejectedAs(String reason) {
            return new PairRow(id, jobId, taskId, chunkId, ordinal, question, answer, temperature, variant, model, attempt,
                    split, reason, dedupeKey);
        }

        Object[] values() {
            return new Object[]{id, jobId, taskId, chunkId, ordinal, question, answer, temperature, variant, model, attempt,
                    split, rejectedReason, dedupeKey};
        }
    }

    /** How a job splits its pairs, fixed at creation. */
    record SplitRule(long seed, Splits.By by, double testFraction) {

        String assign(long chunkId, long dedupeKey) {
            return Splits.assign(seed, by, chunkId, dedupeKey, testFraction);
        }
    }

    private static final String INSERT = """
            INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model,
                                 attempt, split, rejected_reason, dedupe_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private final JdbcTemplate jdbc;
    private final Ids ids;

    PairWriter(JdbcTemplate jdbc, Ids ids) {
        this.jdbc = jdbc;
        this.ids = ids;
    }

    /**
     * Accepted pairs go in first, in dedupe-key order (so two tasks racing on the same pairs wait on each other in the
     * same order and cannot deadlock); the unique index lets only one copy per job in, the others are stored as
     * duplicates. Rejected pairs are stored too, with their reason.
     */
    void write(TaskQueue.Claimed task, String model, SplitRule split, List<PairParser.Pair> pairs) {
        List<Long> rowIds = ids.next(Ids.Sequence.qa_pair_seq, pairs.size());
        List<PairRow> candidates = new ArrayList<>();
        List<PairRow> rejected = new ArrayList<>();
        Set<Long> keys = new HashSet<>();
        for (int i = 0; i < pairs.size(); i++) {
            PairParser.Pair pair = pairs.get(i);
            long key = PairFilter.dedupeKey(pair);
            String reason = PairFilter.rejectReason(pair);
            if (reason == null && !keys.add(key)) {
                reason = "duplicate";
            }
            var row = new PairRow(rowIds.get(i), task.jobId(), task.id(), task.chunkId(), i, pair.question(), pair.answer(),
                    task.temperature(), task.variant(), model, task.attempt(), split.assign(task.chunkId(), key), reason, key);
            (reason == null ? candidates : rejected).add(row);
        }
        candidates.sort(Comparator.comparingLong(PairRow::dedupeKey));
        int[] inserted = jdbc.batchUpdate(INSERT + " ON CONFLICT (job_id, dedupe_key) WHERE rejected_reason IS NULL DO NOTHING",
                candidates.stream().map(PairRow::values).toList());
        for (int i = 0; i < inserted.length; i++) {
            if (inserted[i] == 0) {
                rejected.add(candidates.get(i).rejectedAs("duplicate"));
            }
        }
        jdbc.batchUpdate(INSERT, rejected.stream().map(PairRow::values).toList());
    }
}
