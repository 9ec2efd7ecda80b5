package io.qaforge.generation.queue;

import java.util.ArrayList;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Ids for batch inserts, in the blocks of 50 that the sequences hand out, as Hibernate's pooled optimizer uses them. */
@Component
public class Ids {

    public enum Sequence { task_seq, qa_pair_seq, fact_seq }

    private static final int BLOCK = 50;

    private final JdbcClient db;

    Ids(JdbcClient db) {
        this.db = db;
    }

    /** A {@code bigint[]} column as read back (fact ids); null stays null. */
    public static List<Long> list(java.sql.Array array) throws java.sql.SQLException {
        return array == null ? null : List.of((Long[]) array.getArray());
    }

    public List<Long> next(Sequence sequence, int count) {
        List<Long> ids = new ArrayList<>(count);
        if (count == 0) {
            return ids;
        }
        List<Long> highs = db.sql("SELECT nextval(?::regclass) FROM generate_series(1, ?)")
                .params(sequence.name(), (count + BLOCK - 1) / BLOCK).query(Long.class).list();
        for (long high : highs) {
            for (long id = high - BLOCK + 1; id <= high && ids.size() < count; id++) {
                ids.add(id);
            }
        }
        return ids;
    }
}
