package io.qaforge.system;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import io.qaforge.TestDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ids beside Hibernate's pooled optimizer, which wrote these tables before: on a sequence as the migrations create them
 * ({@code INCREMENT BY 50}), in a schema of this test's own.
 */
class IdsTest {

    private final String schema = "ids_" + UUID.randomUUID().toString().replace("-", "");
    private JdbcClient db;

    @BeforeEach
    void freshSequence() {
        Map<String, Object> p = TestDatabase.properties();
        db = JdbcClient.create(new DriverManagerDataSource(p.get("spring.datasource.url") + "?currentSchema=" + schema,
                (String) p.get("spring.datasource.username"), (String) p.get("spring.datasource.password")));
        db.sql("CREATE SCHEMA " + schema).update();
        db.sql("CREATE SEQUENCE " + schema + ".chunk_seq INCREMENT BY 50").update();
    }

    @AfterEach
    void dropSchema() {
        db.sql("DROP SCHEMA " + schema + " CASCADE").update();
    }

    @Test
    void aNewSequenceHandsOutIdsFromOneOnwards() {
        assertThat(new Ids(db).next(Ids.Sequence.chunk_seq, 120)).containsExactlyElementsOf(range(1, 120));
    }

    @Test
    void idsNeverMeetTheBlocksHibernateDrewBeforeOrDrawsBeside() {
        // Hibernate's pooled optimizer: the first value, 1, and the next drawn (51) span its first block, 1..51; a
        // later value is the top of a block of 50.
        assertThat(nextval()).isEqualTo(1);
        long hibernateTop = nextval();
        assertThat(hibernateTop).isEqualTo(51);

        List<Long> ids = new Ids(db).next(Ids.Sequence.chunk_seq, 60);

        assertThat(ids).containsExactlyElementsOf(range(52, 111));
        long besideTop = nextval(); // an older replica, still inserting through Hibernate, takes its next block
        assertThat(besideTop - 49).isGreaterThan(ids.getLast());
    }

    private long nextval() {
        return db.sql("SELECT nextval('chunk_seq')").query(Long.class).single();
    }

    private static List<Long> range(long first, long last) {
        return LongStream.rangeClosed(first, last).boxed().toList();
    }
}
