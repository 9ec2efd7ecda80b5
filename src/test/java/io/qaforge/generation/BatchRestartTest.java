package io.qaforge.generation;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
 * Batches outlive the replica that submitted them: a replica started on the same database goes on polling the batch it
 * finds (no second submission, no pair stored twice), a submission cut off before its batch id was kept is found again
 * by its input file, two replicas never put one task in two batches, and a provider whose batch setting was turned off
 * still ends the batches it has.
 */
class BatchRestartTest {

    static final FakeOpenAi fake = new FakeOpenAi();
    static final int FACTS = 6;
    static final int QUESTIONS = 3;
    static final int TEMPERATURES = 3;

    // A provider name of its own: the engines of other test contexts on the same database claim only theirs.
    @RegisterExtension
    final Replicas replicas = new Replicas(
            "--qaforge.documents.chunk-target-tokens=100",
            "--qaforge.documents.chunk-max-tokens=150",
            "--qaforge.generation.poll-interval=50ms",
            "--qaforge.generation.lease=2s",
            "--qaforge.generation.batch.poll-interval=50ms",
            "--qaforge.generation.providers.openai.base-url=",
            "--qaforge.generation.providers.batchreplicas.base-url=" + fake.baseUrl());

    @AfterAll
    static void stopFake() {
        fake.close();
    }

    @BeforeEach
    void resetFake() {
        fake.reset();
    }

    ConfigurableApplicationContext replica() {
        return replica(true);
    }

    /** A replica whose provider takes batches, or (turned off) no longer does. */
    ConfigurableApplicationContext replica(boolean batch, String... more) {
        List<String> args = new ArrayList<>(List.of(more));
        args.addFirst("--qaforge.generation.providers.batchreplicas.batch=" + batch);
        return replicas.start(args.toArray(String[]::new));
    }

    static UUID createJob(TestRestTemplate http) {
        UUID document = GenerationFixtures.upload(http, "batched.txt", GenerationFixtures.document("canoe polo", FACTS));
        Map<String, Object> request = new HashMap<>();
        request.put("documentIds", List.of(document));
        request.put("context", "Canoe polo rules");
        request.put("provider", "batchreplicas");
        request.put("model", "any-model");
        request.put("temperatures", Map.of("count", TEMPERATURES));
        request.put("questionsPerChunk", QUESTIONS);
        request.put("strategy", "recipe");
        request.put("mode", "batch");
        return GenerationFixtures.createJob(http, request);
    }

    @Test
    void aReplicaStartedAfterAStopGoesOnPollingTheBatchItFinds() {
        fake.batches.hold = true;
        ConfigurableApplicationContext first = replica();
        UUID job = createJob(http(first));
        await().atMost(Duration.ofSeconds(30)).until(() -> !fake.batches.created.isEmpty()
                && fake.batches.status(fake.batches.created.getFirst()).equals("in_progress"));
        int tasks = tasks(db(first), job);
        first.close();
        int pollsBefore = fake.batches.polls.get();

        fake.batches.hold = false;
        ConfigurableApplicationContext second = replica();
        JsonNode view = GenerationFixtures.awaitEnd(http(second), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(fake.batches.created).as("the batch is polled again, not submitted again").hasSize(1);
        assertThat(fake.batches.polls.get()).isGreaterThan(pollsBefore);
        assertThat(fake.calls).hasSize(tasks);
        assertExactlyOnce(db(second), job, tasks);
    }

    @Test
    void aSubmissionCutOffBeforeItsBatchIdWasKeptIsFoundByItsInputFile() {
        UUID job = cutOffSubmission();
        fake.batches.madeElsewhere(250); // the organisation's newer batches: ours is on the third page of the list

        fake.batches.hold = false;
        ConfigurableApplicationContext second = replica();
        JsonNode view = GenerationFixtures.awaitEnd(http(second), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(fake.batches.created).as("no second submission").hasSize(1);
        assertThat(view.get("batches")).singleElement().satisfies(b -> assertThat(b.get("id").asString())
                .isEqualTo(fake.batches.created.getFirst()));
        assertExactlyOnce(db(second), job, FACTS * TEMPERATURES);
        assertThat(fake.batches.lists.get()).as("pages read").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aCutOffSubmissionWhoseBatchListCannotBeReadFailsItsTasksWithTheReasonAfterTheWindow() {
        UUID job = cutOffSubmission();
        fake.batches.listStatus = 404;

        fake.batches.hold = false;
        // The window runs from the batch's start: long enough here for the replica to start and try again within it.
        database().sql("UPDATE provider_batch SET created_at = now() WHERE job_id = ?").param(job).update();
        ConfigurableApplicationContext second = replica(true, "--qaforge.generation.batch.recovery-window=60s");
        JsonNode view = GenerationFixtures.awaitEnd(http(second), job, Duration.ofSeconds(120));
        assertThat(fake.batches.created).as("never submitted a second time").hasSize(1);
        assertThat(fake.batches.lists.get()).as("asked again within the window, then no more").isGreaterThan(1);
        int lists = fake.batches.lists.get();
        assertThat(view.get("status").asString()).as(view.toString()).isIn("FAILED", "COMPLETED_WITH_ERRORS");
        assertThat(view.get("failures").get(0).get("reason").asString()).contains("could not be told", "HTTP 404", "not sent again");
        assertThat(view.get("failures").get(0).get("tasks").asInt()).isEqualTo(FACTS * TEMPERATURES);
        // The tasks fail first (a replica dying in between leaves none stuck), then the batch is settled.
        JsonNode batch = await().atMost(Duration.ofSeconds(10)).until(() -> GenerationFixtures.job(http(second), job).get("batches"),
                batches -> batches.size() == 1 && batches.get(0).get("settled").asBoolean()).get(0);
        assertThat(batch.get("status").asString()).isEqualTo("unknown");
        assertThat(batch.get("error").asString()).contains("HTTP 404", "not sent again");
        assertThat(fake.calls).as("nothing asked synchronously either").isEmpty();
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> fake.batches.lists.get() == lists);
    }

    /** A job whose batch was made, left as a replica killed between creating it and storing its id leaves it. */
    private UUID cutOffSubmission() {
        fake.batches.hold = true;
        ConfigurableApplicationContext first = replica();
        UUID job = createJob(http(first));
        await().atMost(Duration.ofSeconds(30)).until(() -> !fake.batches.created.isEmpty());
        first.close();
        // Leased, with its input file only.
        JdbcClient db = database();
        assertThat(db.sql("""
                        UPDATE provider_batch SET provider_batch_id = NULL, status = 'preparing', leased_by = 'killed',
                               lease_until = now() + interval '1 second'
                        WHERE job_id = ? AND input_file_id IS NOT NULL""").param(job).update()).isEqualTo(1);
        return job;
    }

    @Test
    void aBatchLiveWhenItsProviderStopsTakingBatchesIsStillReadToItsEnd() {
        fake.batches.hold = true;
        ConfigurableApplicationContext first = replica();
        UUID job = createJob(http(first));
        await().atMost(Duration.ofSeconds(30)).until(() -> !fake.batches.created.isEmpty()
                && fake.batches.status(fake.batches.created.getFirst()).equals("in_progress"));
        int tasks = tasks(db(first), job);
        first.close();

        fake.batches.hold = false;
        ConfigurableApplicationContext second = replica(false);
        JsonNode view = GenerationFixtures.awaitEnd(http(second), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        assertThat(fake.batches.created).as("no new batch").hasSize(1);
        assertThat(fake.calls).as("every answer came from the batch, none was asked again").hasSize(tasks);
        assertExactlyOnce(db(second), job, tasks);
    }

    @Test
    void twoReplicasNeverPutOneTaskInTwoBatches() {
        ConfigurableApplicationContext a = replica();
        ConfigurableApplicationContext b = replica();
        UUID job = createJob(http(a));
        JsonNode view = GenerationFixtures.awaitEnd(http(b), job, Duration.ofSeconds(60));
        assertThat(view.get("status").asString()).as(view.toString()).isEqualTo("SUCCEEDED");
        List<String> customIds = fake.batches.created.stream().flatMap(id -> fake.batches.requests(id).stream())
                .map(line -> line.get("custom_id").asString()).toList();
        assertThat(customIds).doesNotHaveDuplicates().hasSize(FACTS * TEMPERATURES);
        assertExactlyOnce(db(a), job, FACTS * TEMPERATURES);
    }

    private static int tasks(JdbcClient db, UUID job) {
        return db.sql("SELECT count(*) FROM task WHERE job_id = ?").param(job).query(Integer.class).single();
    }

    private static void assertExactlyOnce(JdbcClient db, UUID job, int tasks) {
        assertThat(db.sql("SELECT count(*) FROM task WHERE job_id = ? AND status = 'DONE'").param(job).query(Integer.class).single())
                .isEqualTo(tasks);
        assertThat(db.sql("""
                        SELECT count(*) FROM task t
                        WHERE t.job_id = ? AND (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> ?""")
                .params(job, QUESTIONS).query(Integer.class).single()).as("tasks whose pairs are not exactly the fake's").isZero();
        assertThat(db.sql("SELECT count(*) - count(DISTINCT (task_id, ordinal)) FROM qa_pair WHERE job_id = ?").param(job)
                .query(Integer.class).single()).isZero();
    }
}
