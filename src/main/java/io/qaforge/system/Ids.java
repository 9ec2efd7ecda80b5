package io.qaforge.system;

import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Ids for batch inserts, in the blocks of 50 that the sequences hand out, as Hibernate's pooled optimizer uses them:
 * a value drawn is the highest id of its block. So ids never collide with those an entity took from the same sequence,
 * and a replica still running an older version (one that inserts through Hibernate) can share the sequence.
 */
@Component
public class Ids {

    /** The sequences of the tables written in batches, by their owning feature (document, then generation). */
    public enum Sequence { chunk_seq, task_seq, qa_pair_seq, fact_seq }

    private static final int BLOCK = 50;

    private final JdbcClient db;

    Ids(JdbcClient db) {
        this.db = db;
    }

    /** A {@code bigint[]} column as read back (fact ids); null stays null. */
    public static List<Long> list(java.sql.Array array) throws java.sql.SQLException {
        return array == null ? null : List.of((Long[]) array.getArray());
    }

    /** {@code count} new ids, ascending: one statement (two on a sequence's first use). */
    public List<Long> next(Sequence sequence, int count) {
        List<Long> ids = new ArrayList<>(count);
        while (ids.size() < count) {
            List<Long> highs = db.sql("SELECT nextval(?::regclass) FROM generate_series(1, ?)")
                    .params(sequence.name(), (count - ids.size() + BLOCK - 1) / BLOCK).query(Long.class).list();
            for (long high : highs) {
                // A sequence's first value is 1: that block holds only 1 (so ids start at 1, as Hibernate's do).
                for (long id = Math.max(1, high - BLOCK + 1); id <= high && ids.size() < count; id++) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }
}
