package io.qaforge.generation.queue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.Specs;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.generation.provider.OpenAiBatches;
import io.qaforge.generation.provider.ProviderBatches;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.quality.PairParser;
import io.qaforge.generation.steps.Steps;

/**
 * Runs the tasks of batch-mode jobs through their provider's Batch API. Every poll interval, each replica looks after
 * the batches that are due (one replica per batch, by lease): an ended batch's output and error lines are matched to
 * their tasks by {@code custom_id} and each answer goes the way a synchronous answer goes ({@link Steps}, then
 * {@link TaskQueue#complete} stores it with its task marked done, once); lines that failed, and tasks an expired, failed
 * or cancelled batch did not answer, go back to the queue with their attempt counted, for the next batch. Then it
 * submits what is pending: one JSONL file per job of at most 50,000 requests and 200 MB. A batch whose job was cancelled
 * is cancelled at the provider.
 */
@Component
public class BatchRunner implements SmartLifecycle {

    /** The Batch API's limits on one input file. */
    static final int MAX_REQUESTS = 50_000;
    static final int MAX_BYTES = 200 * 1024 * 1024;
    /** How often a replica reading a long output file renews its lease on the batch. */
    private static final int RENEW_EVERY = 200;

    private static final Logger log = LoggerFactory.getLogger(BatchRunner.class);
    /** How far the provider's clock may be behind ours when its batch list is searched by creation time. */
    private static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private final GenerationProperties properties;
    private final Providers providers;
    private final ProviderBatches batches;
    private final TaskQueue queue;
    private final Specs specs;
    private final Steps steps;
    private final JsonMapper mapper;
    private final String worker;
    private volatile Thread thread;
    private volatile boolean running;

    BatchRunner(GenerationProperties properties, Providers providers, ProviderBatches batches, TaskQueue queue, Specs specs, Steps steps,
                JsonMapper mapper, Replica replica) {
        this.properties = properties;
        this.providers = providers;
        this.batches = batches;
        this.queue = queue;
        this.specs = specs;
        this.steps = steps;
        this.mapper = mapper;
        this.worker = replica.name() + "-batches-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void start() {
        running = true;
        thread = Thread.ofVirtual().name("batches").start(this::loop);
    }

    @Override
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            for (String name : providers.names()) {
                ProviderClient client = providers.client(name);
                if (client == null || !running) {
                    continue;
                }
                try {
                    followUp(client);
                    if (providers.batches(name)) {
                        submit(client);
                    }
                } catch (RuntimeException e) {
                    log.warn("Batches of provider {}: {}; trying again in {}", name, e.getMessage(), properties.batch().pollInterval(), e);
                }
            }
            try {
                Thread.sleep(properties.batch().pollInterval());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Looks after every batch of this provider that is due. */
    private void followUp(ProviderClient client) {
        for (Optional<ProviderBatches.Leased> due = batches.leaseDue(client.name, worker, properties.lease());
             due.isPresent() && running; due = batches.leaseDue(client.name, worker, properties.lease())) {
            ProviderBatches.Leased batch = due.get();
            try {
                followUp(client, batch);
            } catch (OpenAiBatches.BatchFailure e) {
                log.warn("Batch {} of job {}: {}; asking again in {}",
                        batch.providerBatchId() == null ? batch.lessee() : batch.providerBatchId(), batch.jobId(), e.getMessage(),
                        properties.batch().pollInterval());
                batches.later(batch.id(), e.getMessage(), properties.batch().pollInterval());
            }
        }
    }

    private void followUp(ProviderClient client, ProviderBatches.Leased leased) {
        OpenAiBatches.Batch batch = leased.providerBatchId() != null ? client.batches.get(leased.providerBatchId()) : recover(client, leased);
        if (batch == null) {
            return;
        }
        if (!batch.ended() && !batch.status().equals("cancelling") && batches.waiting(leased.id()).isEmpty()) {
            // Its job was cancelled: nothing it answers would be stored, so it should cost no more.
            batch = client.batches.cancel(batch.id());
            log.info("Batch {} of cancelled job {}: cancelled at the provider", batch.id(), leased.jobId());
        }
        batches.polled(leased.id(), batch, properties.batch().pollInterval());
        if (batch.ended()) {
            read(client, leased, batch);
        }
    }

    /**
     * A batch whose replica died while submitting it: the provider may have it already, found by its input file (made
     * after the batch row, give or take the two clocks' skew). Its tasks are sent again only when the provider certainly
     * has no such batch. While the provider's list cannot be read, the search is tried again each poll; past the
     * recovery window the tasks fail with the reason, as sending them again could pay for them twice.
     *
     * @return the provider's batch, or null when the row is settled here
     */
    private OpenAiBatches.Batch recover(ProviderClient client, ProviderBatches.Leased leased) {
        OpenAiBatches.Batch found;
        try {
            found = leased.inputFileId() == null ? null : client.batches.find(leased.inputFileId(), leased.createdAt().minus(CLOCK_SKEW));
        } catch (OpenAiBatches.BatchFailure e) {
            if (Instant.now().isBefore(leased.createdAt().plus(properties.batch().recoveryWindow()))) {
                throw e;
            }
            String reason = "batch submission was cut off, and whether the provider took it could not be told within "
                    + properties.batch().recoveryWindow().toSeconds() + " s (its batch list: " + e.getMessage() + "); not sent again, "
                    + "so as not to pay twice: retry the failed tasks once the provider's batches are checked";
            log.warn("Batch {} of job {}: {}", leased.id(), leased.jobId(), reason);
            for (TaskQueue.Claimed task : batches.waiting(leased.id())) {
                queue.fail(task, leased.lessee(), reason, false);
            }
            batches.settle(leased.id(), "unknown", reason);
            return null;
        }
        if (found == null) {
            retry(batches.waiting(leased.id()), leased.lessee(), "batch submission was cut off");
            batches.settle(leased.id(), "abandoned", "submission was cut off before the provider took the batch");
        }
        return found;
    }

    /** Stores the answers of an ended batch and sends what it did not answer back to the queue. */
    private void read(ProviderClient client, ProviderBatches.Leased leased, OpenAiBatches.Batch batch) {
        Map<Long, TaskQueue.Claimed> waiting = new LinkedHashMap<>();
        batches.waiting(leased.id()).forEach(task -> waiting.put(task.id(), task));
        JobSpec spec = specs.of(leased.jobId());
        int[] seen = {0};
        for (String file : new String[]{batch.outputFileId(), batch.errorFileId()}) {
            if (file == null) {
                continue;
            }
            client.batches.lines(file, line -> {
                answer(client, spec, leased.lessee(), waiting, line);
                if (++seen[0] % RENEW_EVERY == 0) {
                    batches.renew(leased.id(), worker, properties.lease());
                }
            });
        }
        retry(List.copyOf(waiting.values()), leased.lessee(), "no answer: batch " + batch.status()
                + (batch.error() == null ? "" : " (" + batch.error() + ")"));
        batches.settle(leased.id(), null, null);
        log.info("Batch {} of job {} {}: {} answered, {} sent back", batch.id(), leased.jobId(), batch.status(),
                seen[0], waiting.size());
    }

    /** One line of an output or error file: its task's answer, stored as a synchronous one is, or its failure. */
    private void answer(ProviderClient client, JobSpec spec, String lessee, Map<Long, TaskQueue.Claimed> waiting, String line) {
        JsonNode root;
        TaskQueue.Claimed task;
        try {
            root = mapper.readTree(line);
            task = waiting.remove(Long.parseLong(root.path("custom_id").asString()));
        } catch (JacksonException | NumberFormatException e) {
            log.warn("Batch line of job {} not understood; ignored: {}", spec.id(), e.getMessage());
            return;
        }
        if (task == null) {
            return; // answered already (a batch read again after a crash), or its job was cancelled meanwhile
        }
        JsonNode response = root.path("response");
        JsonNode body = response.path("body");
        JsonNode choice = body.path("choices").path(0);
        if (response.path("status_code").asInt() != 200 || !choice.path("message").has("content")) {
            JsonNode error = root.path("error").isObject() ? root.path("error") : body.path("error");
            String reason = error.isObject() ? error.path("code").asString("error") + ": " + error.path("message").asString("")
                    : "HTTP " + response.path("status_code").asInt() + " without choices";
            retry(List.of(task), lessee, "batch line failed: " + ProviderClient.masked(reason));
            return;
        }
        JsonNode usage = body.path("usage");
        var completion = new ProviderClient.Completion(choice.path("message").path("content").asString(""),
                usage.path("prompt_tokens").asInt(), usage.path("prompt_tokens_details").path("cached_tokens").asInt(),
                usage.path("completion_tokens").asInt(), choice.path("finish_reason").asString(null));
        Steps.Step step = steps.prepare(spec, task, client.config.structuredOutput());
        var spend = new TaskQueue.Spend(completion.promptTokens(), completion.cachedTokens(), completion.completionTokens(),
                client.cost(step.model(), completion, true));
        Runnable store;
        try {
            store = step.read(completion.content());
        } catch (PairParser.Unparseable e) {
            queue.retryOrFail(task, lessee, completion.unparseable(e.getMessage()), Duration.ZERO, properties.maxAttempts(), spend);
            return;
        }
        queue.complete(task, lessee, spend, store);
    }

    private void retry(List<TaskQueue.Claimed> tasks, String lessee, String reason) {
        for (TaskQueue.Claimed task : tasks) {
            queue.retryOrFail(task, lessee, reason, Duration.ZERO, properties.maxAttempts(), TaskQueue.Spend.NONE);
        }
    }

    /** Puts this provider's pending batch-mode tasks in batches, a job at a time, and hands them to the provider. */
    private void submit(ProviderClient client) {
        for (Optional<ProviderBatches.Opened> opened = batches.open(client.name, worker, properties.lease(), MAX_REQUESTS);
             opened.isPresent() && running; opened = batches.open(client.name, worker, properties.lease(), MAX_REQUESTS)) {
            submit(client, opened.get());
        }
    }

    private void submit(ProviderClient client, ProviderBatches.Opened batch) {
        JobSpec spec = specs.of(batch.jobId());
        boolean json = client.config.structuredOutput();
        var file = new ByteArrayOutputStream();
        List<TaskQueue.Claimed> sent = new ArrayList<>(), over = new ArrayList<>();
        for (TaskQueue.Claimed task : batch.tasks()) {
            Steps.Step step = steps.prepare(spec, task, json);
            if (step.prompt() == null) {
                // Nothing left to ask (a top-up whose facts were covered meanwhile): done without a call.
                queue.complete(task, batch.lessee(), TaskQueue.Spend.NONE, () -> {
                });
                continue;
            }
            byte[] line = line(task.id(), step, json);
            if (file.size() + line.length > MAX_BYTES) {
                over.add(task);
                continue;
            }
            file.writeBytes(line);
            sent.add(task);
        }
        batches.giveBack(batch.id(), over);
        if (sent.isEmpty()) {
            batches.drop(batch.id());
            return;
        }
        try {
            String inputFile = client.batches.upload(file.toByteArray(), "qaforge-" + batch.jobId() + "-" + batch.id() + ".jsonl");
            batches.uploaded(batch.id(), inputFile);
            batches.polled(batch.id(), client.batches.create(inputFile), properties.batch().pollInterval());
            log.info("Job {}: batch of {} requests submitted to {}", batch.jobId(), sent.size(), client.name);
        } catch (OpenAiBatches.BatchFailure e) {
            log.warn("Job {}: submitting a batch of {} requests to {} failed: {}", batch.jobId(), sent.size(), client.name, e.getMessage());
            retry(sent, batch.lessee(), "batch submission failed: " + e.getMessage());
            batches.settle(batch.id(), "failed", e.getMessage());
        }
    }

    /** One request of the input file, as the chat completions endpoint takes it. */
    private byte[] line(long taskId, Steps.Step step, boolean json) {
        ObjectNode line = mapper.createObjectNode().put("custom_id", String.valueOf(taskId)).put("method", "POST")
                .put("url", "/v1/chat/completions");
        ObjectNode body = line.putObject("body").put("model", step.model()).put("temperature", step.temperature());
        body.putArray("messages").addObject().put("role", "user").put("content", step.prompt());
        if (json && step.schema() != null) {
            body.putObject("response_format").put("type", "json_schema").putObject("json_schema").put("name", "answer")
                    .put("strict", true).set("schema", mapper.readTree(step.schema()));
        }
        return (line + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
