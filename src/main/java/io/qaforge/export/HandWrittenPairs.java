package io.qaforge.export;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The question/answer pairs users wrote and uploaded into a dataset ({@code dataset_pair}). */
@Component
public class HandWrittenPairs {

    /** The variant an export gives a hand-written pair, so a flat file says which rows a person wrote. */
    public static final String VARIANT = "hand-written";

    /** One uploaded pair. */
    public record Pair(int ordinal, String question, String answer, Long factId, String direction, String split) {
    }

    private final JdbcClient db;
    private final DatasetRepository datasets;

    HandWrittenPairs(JdbcClient db, DatasetRepository datasets) {
        this.db = db;
        this.datasets = datasets;
    }

    /** A new dataset and its pairs, in one transaction; the pairs in one statement. */
    @Transactional
    public Dataset store(Dataset dataset, List<Pair> pairs) {
        Dataset stored = datasets.saveAndFlush(dataset);
        db.sql("""
                INSERT INTO dataset_pair (dataset_id, ordinal, question, answer, fact_id, direction, split)
                SELECT :dataset, p.ordinal, p.question, p.answer, p.fact_id, p.direction, p.split
                FROM unnest(:ordinals::int[], :questions::text[], :answers::text[], :facts::bigint[], :directions::text[], :splits::text[])
                     AS p (ordinal, question, answer, fact_id, direction, split)""")
                .param("dataset", stored.getId())
                .param("ordinals", pairs.stream().map(Pair::ordinal).toArray(Integer[]::new))
                .param("questions", pairs.stream().map(Pair::question).toArray(String[]::new))
                .param("answers", pairs.stream().map(Pair::answer).toArray(String[]::new))
                .param("facts", pairs.stream().map(Pair::factId).toArray(Long[]::new))
                .param("directions", pairs.stream().map(Pair::direction).toArray(String[]::new))
                .param("splits", pairs.stream().map(Pair::split).toArray(String[]::new))
                .update();
        return stored;
    }

    /** How many a dataset holds, by split (splits without any left out). */
    public Map<String, Long> counts(UUID datasetId) {
        Map<String, Long> counts = new TreeMap<>();
        db.sql("SELECT split, count(*) AS pairs FROM dataset_pair WHERE dataset_id = :dataset GROUP BY split")
                .param("dataset", datasetId)
                .query((rs, i) -> counts.put(rs.getString("split"), rs.getLong("pairs")))
                .list();
        return counts;
    }

    /** A page of a dataset's pairs, in the file's order. */
    public List<Pair> page(UUID datasetId, int offset, int limit) {
        return db.sql("""
                SELECT ordinal, question, answer, fact_id, direction, split FROM dataset_pair
                WHERE dataset_id = :dataset ORDER BY ordinal OFFSET :offset LIMIT :limit""")
                .param("dataset", datasetId).param("offset", offset).param("limit", limit)
                .query(Pair.class).list();
    }

    /** The questions of a dataset's train split: what a run on it trains on. */
    public List<String> trainQuestions(UUID datasetId) {
        return db.sql("SELECT question FROM dataset_pair WHERE dataset_id = :dataset AND split = 'train' ORDER BY ordinal")
                .param("dataset", datasetId).query(String.class).list();
    }
}
