package io.qaforge.generation;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.resttestclient.TestRestTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.qaforge.Replicas;

import static io.qaforge.Replicas.database;
import static io.qaforge.Replicas.db;
import static io.qaforge.Replicas.http;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole service replicas (application contexts on one database) stopping, crashing and sharing a job; the checks are
 * the exactly-once promises: every task done once, its pairs stored once, no finished task requested again.
 */
class GenerationRestartTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final int FACTS = 12;
    static final int QUESTIONS = 3;

    @RegisterExtension
    final Replicas replicas = new Replicas(
            "--qaforge.documents.chunk-target-tokens=100",
            "--qaforge.documents.chunk-max-tokens=150",
            "--qaforge.generation.poll-interval=50ms",
            "--qaforge.generation.backoff=50ms",
            "--qaforge.generation.lease=3s",
            "--qaforge.generation.providers.replicated.base-url=" + fake.baseUrl(),
            "--qaforge.generation.providers.replicated.max-concurrency=3",
            "--qaforge.generation.providers.replicated.timeout=5s");

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset();
    }

    static UUID createJob(TestRestTemplate http, int temperatures) {
        UUID document = GenerationFixtures.upload(http, "replicated.txt", GenerationFixtures.document("beach volleyball", FACTS));
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Beach volleyball rules");
        request.put("provider", "replicated");
        request.put("model", "any-model");
        request.put("temperatures", Map.of("count", temperatures));
        request.put("questionsPerChunk", QUESTIONS);
        request.put("strategy", "recipe");
        return GenerationFixtures.createJob(http, request);
    }

    @Test
    void aJobStoppedMidwayFinishesInTheNextReplicaWithNothingLostOrRepeated() throws Exception {
        fake.latencyMillis = 100;
        ConfigurableApplicationContext first = replicas.start();
        UUID job = createJob(http(first), 3);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> done(db(first), job) >= 8);
        first.close();
        Set<String> doneBefore = doneKeys(database(), job);
        int callsBefore = fake.calls.size();
        assertThat(doneBefore.size()).isBetween(8, 35);

        ConfigurableApplicationContext second = replicas.start();
        JsonNode view = GenerationFixtures.awaitEnd(http(second), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertExactlyOnce(db(second), job, 36);
        assertThat(fake.calls.subList(callsBefore, fake.calls.size()))
                .as("no finished task is requested again")
                .noneMatch(call -> doneBefore.contains(call.fact() + "@" + call.temperature()));
    }

    @Test
    void tasksOfACrashedWorkerAreTakenAgainWhenTheirLeaseExpires() throws Exception {
        fake.latencyMillis = 50;
        ConfigurableApplicationContext replica = replicas.start();
        JdbcClient db = db(replica);
        // A worker that claimed tasks and died (kill -9): its leases are all that is left of it.
        UUID document = GenerationFixtures.upload(http(replica), "replicated.txt", GenerationFixtures.document("beach volleyball", FACTS));
        UUID job = createJob(http(replica), 2);
        int hijacked = db.sql("""
                        UPDATE task SET status = 'RUNNING', leased_by = 'crashed-worker', attempts = 1,
                                        lease_until = now() + interval '1500 milliseconds'
                        WHERE id IN (SELECT id FROM task WHERE job_id = ? AND status = 'PENDING' ORDER BY id DESC LIMIT 4)""")
                .param(job).update();
        long leaseEnds = System.nanoTime() + Duration.ofMillis(1400).toNanos();
        Set<String> crashedKeys = db.sql("""
                        SELECT c.ordinal + 1, t.temperature FROM task t JOIN chunk c ON c.id = t.chunk_id
                        WHERE t.job_id = ? AND t.leased_by = 'crashed-worker'""").param(job)
                .query((rs, i) -> rs.getInt(1) + "@" + rs.getBigDecimal(2).doubleValue()).set();
        assertThat(hijacked).isPositive();
        assertThat(document).isNotNull();

        JsonNode view = GenerationFixtures.awaitEnd(http(replica), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertExactlyOnce(db, job, 24);
        List<FakeOpenAi.Call> retaken = fake.calls.stream().filter(call -> crashedKeys.contains(call.fact() + "@" + call.temperature())).toList();
        assertThat(retaken).hasSize(crashedKeys.size()).allSatisfy(call -> assertThat(call.atNanos()).isGreaterThan(leaseEnds));
        assertThat(db.sql("SELECT count(*) FROM qa_pair p JOIN task t ON t.id = p.task_id WHERE t.job_id = ? AND p.attempt = 2")
                .param(job).query(Integer.class).single()).isEqualTo(crashedKeys.size() * QUESTIONS);
    }

    @Test
    void twoReplicasShareOneJobWithoutDoubleWork() throws Exception {
        fake.latencyMillis = 50;
        ConfigurableApplicationContext a = replicas.start();
        ConfigurableApplicationContext b = replicas.start();
        UUID job = createJob(http(a), 3);
        JsonNode view = GenerationFixtures.awaitEnd(http(b), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertExactlyOnce(db(a), job, 36);
        Map<String, Long> perKey = fake.calls.stream().collect(Collectors.groupingBy(call -> call.fact() + "@" + call.temperature(),
                Collectors.counting()));
        assertThat(perKey).hasSize(36).allSatisfy((key, calls) -> assertThat(calls).as(key).isEqualTo(1));
        assertThat(db(a).sql("SELECT count(DISTINCT leased_by) FROM task WHERE job_id = ?").param(job).query(Integer.class).single())
                .as("both replicas did work").isEqualTo(2);
    }

    /**
     * Facts and judge tasks are durable as pair calls are: a worker that dies holding them (its leases all that is left
     * of it) loses nothing, and every call of every kind is made once. The crashed worker never reached the provider,
     * so the provider sees exactly one call per task; every graded pair gets its verdict once.
     */
    @Test
    void factAndJudgeTasksOfACrashedWorkerRunOnceWhenTheirLeaseExpires() throws Exception {
        fake.latencyMillis = 30;
        ConfigurableApplicationContext replica = replicas.start();
        JdbcClient db = db(replica);
        UUID document = GenerationFixtures.upload(http(replica), "facts.txt", GenerationFixtures.document("beach volleyball", 6));
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Beach volleyball rules");
        request.put("provider", "replicated");
        request.put("model", "any-model");
        request.put("temperatures", Map.of("count", 3));
        request.put("questionsPerChunk", 4);
        UUID job = GenerationFixtures.createJob(http(replica), request);
        List<Long> crashed = new java.util.ArrayList<>(crash(db, job, "facts", 2));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> db.sql(
                "SELECT count(*) FROM task WHERE job_id = ? AND kind = 'judge' AND status = 'PENDING'").param(job).query(Integer.class).single() >= 2);
        crashed.addAll(crash(db, job, "judge", 2));
        long leaseEnds = System.nanoTime() + Duration.ofMillis(1400).toNanos();

        JsonNode view = GenerationFixtures.awaitEnd(http(replica), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(view.at("/coverage/covered").asInt()).isEqualTo(view.at("/coverage/facts").asInt()).isEqualTo(12);
        Map<String, Integer> tasks = new HashMap<>();
        db.sql("SELECT kind, count(*) FROM task WHERE job_id = ? AND status = 'DONE' GROUP BY kind").param(job)
                .query((rs, i) -> tasks.put(rs.getString(1), rs.getInt(2))).list();
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND status <> 'DONE'").param(job).query(Integer.class).single()).isZero();
        Map<String, Long> calls = fake.calls.stream().collect(Collectors.groupingBy(FakeOpenAi.Call::kind, Collectors.counting()));
        // Study passages and their verdicts (a fact job writes them by default) are tasks like the others.
        assertThat(calls).as("one call per task of each kind").containsOnlyKeys(tasks.keySet())
                .containsKeys("facts", "pairs", "judge", "study", "study-judge");
        tasks.forEach((kind, done) -> assertThat(calls.get(kind)).as(kind).isEqualTo((long) done));
        assertThat(tasks.get("facts")).isEqualTo(6);
        assertThat(tasks.get("judge")).isEqualTo(tasks.get("pairs"));
        assertThat(db.sql("SELECT count(*) FROM fact WHERE job_id = ?").param(job).query(Integer.class).single()).isEqualTo(12);
        assertThat(db.sql("SELECT count(*) FROM qa_pair WHERE job_id = ? AND judge_verdict = 'pending'").param(job)
                .query(Integer.class).single()).isZero();
        assertThat(db.sql("SELECT count(*) - count(DISTINCT (task_id, ordinal)) FROM qa_pair WHERE job_id = ?").param(job)
                .query(Integer.class).single()).isZero();
        assertThat(db.sql("SELECT count(*) FROM task WHERE id = ANY(?) AND attempts = 2").param(crashed.toArray(Long[]::new))
                .query(Integer.class).single()).as("taken again, once").isEqualTo(crashed.size());
        assertThat(fake.calls).filteredOn(call -> call.kind().equals("facts") && call.fact() > 4)
                .allSatisfy(call -> assertThat(call.atNanos()).isGreaterThan(leaseEnds - Duration.ofMillis(1400).toNanos()));
    }

    /** Leases {@code count} pending tasks of a kind to a worker that died at once (the last ones by id). */
    private static List<Long> crash(JdbcClient db, UUID job, String kind, int count) {
        return db.sql("""
                        UPDATE task SET status = 'RUNNING', leased_by = 'crashed-worker', attempts = 1,
                                        lease_until = now() + interval '1500 milliseconds'
                        WHERE id IN (SELECT id FROM task WHERE job_id = ? AND kind = ? AND status = 'PENDING' ORDER BY id DESC LIMIT ?
                                     FOR UPDATE SKIP LOCKED)
                        RETURNING id""")
                .params(job, kind, count).query(Long.class).list();
    }

    private static int done(JdbcClient db, UUID job) {
        return db.sql("SELECT count(*) FROM task WHERE job_id = ? AND status = 'DONE'").param(job).query(Integer.class).single();
    }

    private static Set<String> doneKeys(JdbcClient db, UUID job) {
        return new HashSet<>(db.sql("""
                        SELECT c.ordinal + 1, t.temperature FROM task t JOIN chunk c ON c.id = t.chunk_id
                        WHERE t.job_id = ? AND t.status = 'DONE'""").param(job)
                .query((rs, i) -> rs.getInt(1) + "@" + rs.getBigDecimal(2).doubleValue()).list());
    }

    private static void assertExactlyOnce(JdbcClient db, UUID job, int tasks) {
        assertThat(done(db, job)).isEqualTo(tasks);
        assertThat(db.sql("""
                        SELECT count(*) FROM task t
                        WHERE t.job_id = ? AND (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> ?""")
                .params(job, QUESTIONS).query(Integer.class).single()).as("tasks whose pairs are not exactly the fake's").isZero();
        assertThat(db.sql("SELECT count(*) - count(DISTINCT (task_id, ordinal)) FROM qa_pair WHERE job_id = ?").param(job)
                .query(Integer.class).single()).isZero();
        assertThat(db.sql("SELECT count(*) FROM qa_pair WHERE job_id = ? AND rejected_reason IS NULL").param(job)
                .query(Integer.class).single()).isEqualTo(tasks * QUESTIONS);
    }
}
