package io.qaforge.export.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.qaforge.export.PairFixture;
import io.qaforge.export.PairFixture.Message;
import io.qaforge.export.stream.RowWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** Parts written at once make one Parquet file whose rows are the first part's, then the second's. */
class ParquetPartsTest {

    @Test
    void partsJoinIntoOneFileInTheirOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("export.parquet");
        try (var parquet = new ParquetParts(file, "Be brief.")) {
            List<RowWriter> parts = parquet.writers();
            assertThat(parts).hasSize(2);
            for (int part = 0; part < parts.size(); part++) {
                for (int i = 0; i < 3_000; i++) {
                    write(parts.get(part), "question " + part + "." + i, "answer é " + i);
                }
            }
        }

        List<List<Message>> rows = PairFixture.parquet(file);

        assertThat(rows).hasSize(6_000);
        assertThat(rows.getFirst()).containsExactly(new Message("system", "Be brief."), new Message("user", "question 0.0"),
                new Message("assistant", "answer é 0"));
        assertThat(rows.get(2_999).get(1).content()).isEqualTo("question 0.2999");
        assertThat(rows.get(3_000).get(1).content()).isEqualTo("question 1.0");
        assertThat(rows.getLast().get(2).content()).isEqualTo("answer é 2999");
    }

    /** A row as {@link ParquetRowWriter#encoder()} encodes one pair: question and answer, each after its length. */
    private static void write(RowWriter writer, String question, String answer) throws IOException {
        byte[] q = question.getBytes(StandardCharsets.UTF_8);
        byte[] a = answer.getBytes(StandardCharsets.UTF_8);
        ByteBuffer row = ByteBuffer.allocate(8 + q.length + a.length).putInt(q.length).put(q).putInt(a.length).put(a);
        writer.write(row.array(), 0, row.capacity());
    }
}
