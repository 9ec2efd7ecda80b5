package io.qaforge.document.text;

import java.util.List;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.document.Chunk;
import io.qaforge.document.extraction.DocumentExtraction;
import io.qaforge.system.Ids;

import static io.qaforge.system.Unnest.column;

/**
 * Inserts a document's chunks with SQL, as {@link DocumentExtraction} and {@code DocumentIngestion} delete them:
 * {@link Chunk} is read-only, so the {@code chunk} table is written one way.
 */
@Component
public class ChunkWriter {

    /**
     * Rows per statement, a few megabytes of text (a 50-million-character document is about 25,000 chunks): one
     * statement for all of them holds the whole text twice more in memory, and measured no faster.
     */
    private static final int ROWS_PER_STATEMENT = 1000;

    /** A chunk to store; its id comes from {@code chunk_seq}. */
    public record Row(int ordinal, String text, int tokens, int pageFrom, int pageTo, int charFrom, int charTo, boolean ocr) {
    }

    private final JdbcClient jdbc;
    private final Ids ids;

    ChunkWriter(JdbcClient jdbc, Ids ids) {
        this.jdbc = jdbc;
        this.ids = ids;
    }

    /** Ids ascend with the rows' order, as exports list pairs by chunk id. */
    public void insert(UUID documentId, List<Row> rows) {
        List<Long> chunkIds = ids.next(Ids.Sequence.chunk_seq, rows.size());
        for (int from = 0; from < rows.size(); from += ROWS_PER_STATEMENT) {
            List<Row> slice = rows.subList(from, Math.min(rows.size(), from + ROWS_PER_STATEMENT));
            // The columns as arrays, zipped back into rows by unnest.
            jdbc.sql("""
                            INSERT INTO chunk (id, document_id, ordinal, text, tokens, page_from, page_to, char_from, char_to, ocr)
                            SELECT id, ?::uuid, ordinal, text, tokens, page_from, page_to, char_from, char_to, ocr
                            FROM unnest(?::bigint[], ?::int[], ?::text[], ?::int[], ?::int[], ?::int[], ?::int[], ?::int[],
                                        ?::boolean[])
                                 AS c(id, ordinal, text, tokens, page_from, page_to, char_from, char_to, ocr)""")
                    .params(documentId, chunkIds.subList(from, from + slice.size()).toArray(Long[]::new),
                            column(slice, Row::ordinal, Integer[]::new), column(slice, Row::text, String[]::new),
                            column(slice, Row::tokens, Integer[]::new), column(slice, Row::pageFrom, Integer[]::new),
                            column(slice, Row::pageTo, Integer[]::new), column(slice, Row::charFrom, Integer[]::new),
                            column(slice, Row::charTo, Integer[]::new), column(slice, Row::ocr, Boolean[]::new))
                    .update();
        }
    }
}
