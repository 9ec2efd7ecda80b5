package io.qaforge.generation;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.qaforge.document.ChunkRepository;

/**
 * Runs tasks: one claim loop per provider in each replica takes a concurrency slot, waits for the rate limiter, claims
 * one task and runs it on a virtual thread. All state lives in the database, so replicas can come and go; a worker
 * that dies leaves leases that expire, and its tasks are claimed again.
 */
@Component
class GenerationEngine implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GenerationEngine.class);

    private final GenerationProperties properties;
    private final Providers providers;
    private final TaskQueue queue;
    private final JobStore jobs;
    private final ChunkRepository chunks;
    private final String worker;
    private final Map<UUID, JobStore.Spec> specs = new ConcurrentHashMap<>();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;

    GenerationEngine(GenerationProperties properties, Providers providers, TaskQueue queue, JobStore jobs, ChunkRepository chunks) {
        this.properties = properties;
        this.providers = providers;
        this.queue = queue;
        this.jobs = jobs;
        this.chunks = chunks;
        this.worker = hostName() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public void start() {
        running = true;
        for (String provider : providers.names()) {
            threads.add(Thread.ofVirtual().name("claim-" + provider).start(() -> claimLoop(provider)));
        }
        log.info("Generation worker {} claiming for providers {}", worker, providers.names());
    }

    @Override
    public void stop() {
        running = false;
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        for (Thread thread : List.copyOf(threads)) {
            try {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        queue.release(worker);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** New work was queued: look for it now rather than at the next poll. */
    void wake() {
        wake.release(providers.names().size());
    }

    private void claimLoop(String provider) {
        while (running) {
            ProviderClient client = providers.client(provider);
            try {
                if (client == null) {
                    idle();
                    continue;
                }
                client.limiter.acquireSlot();
                boolean started = false;
                try {
                    client.limiter.awaitRequest();
                    var claimed = queue.claim(provider, worker, properties.lease());
                    if (claimed.isPresent()) {
                        TaskQueue.Claimed task = claimed.get();
                        threads.add(Thread.ofVirtual().name("task-" + task.id()).start(() -> {
                            var slot = new AtomicBoolean(true);
                            Runnable releaseSlot = () -> {
                                if (slot.getAndSet(false)) {
                                    client.limiter.releaseSlot();
                                }
                            };
                            try {
                                run(client, task, releaseSlot);
                            } finally {
                                releaseSlot.run();
                                threads.remove(Thread.currentThread());
                            }
                        }));
                        started = true;
                    } else {
                        client.limiter.refundRequest();
                    }
                } finally {
                    if (!started) {
                        client.limiter.releaseSlot();
                    }
                }
                if (!started) {
                    idle();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("Claiming for provider {} failed; trying again shortly", provider, e);
                try {
                    idle();
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    private void idle() throws InterruptedException {
        wake.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Calls the provider and stores the outcome; the concurrency slot is given back as soon as the call returns. */
    private void run(ProviderClient client, TaskQueue.Claimed task, Runnable releaseSlot) {
        try {
            JobStore.Spec spec = specs.computeIfAbsent(task.jobId(), id -> jobs.spec(id).orElseThrow());
            boolean json = client.config.structuredOutput();
            String text = chunks.findById(task.chunkId()).orElseThrow().getText();
            String prompt = Prompts.render(Prompts.template(task.variant(), spec.params().prompts()), spec.context(), text,
                    task.questions(), json);
            client.limiter.awaitTokens(task.estTokens());
            ProviderClient.Completion completion;
            try {
                completion = client.call(spec.model(), task.temperature().doubleValue(), prompt);
            } catch (ProviderFailure failure) {
                releaseSlot.run();
                client.limiter.settleTokens(task.estTokens(), 0);
                handle(task, failure, 0, 0, BigDecimal.ZERO);
                return;
            }
            releaseSlot.run();
            int in = completion.promptTokens(), out = completion.completionTokens();
            client.limiter.settleTokens(task.estTokens(), in + out);
            BigDecimal cost = JobPlanner.cost(client.config.prices().get(spec.model()), in, out);
            List<PairParser.Pair> pairs;
            try {
                pairs = PairParser.parse(completion.content(), json);
            } catch (PairParser.Unparseable e) {
                handle(task, new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "unparseable answer: " + e.getMessage()
                        + (completion.finishReason() == null ? "" : " (finish_reason " + completion.finishReason() + ")"), null),
                        in, out, cost);
                return;
            }
            JobPlanner.Params params = spec.params();
            if (!queue.complete(task, worker, spec.model(), params.seed(), params.splitBy(), params.testFraction(), pairs, in, out, cost)) {
                log.info("Task {} was taken over or cancelled while it ran; its answer is dropped", task.id());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // shutting down: the lease (or release on stop) hands the task back
        } catch (RuntimeException e) {
            if (running) {
                log.warn("Task {} broke off; it runs again when its lease expires", task.id(), e);
            }
        }
    }

    private void handle(TaskQueue.Claimed task, ProviderFailure failure, int in, int out, BigDecimal cost) {
        switch (failure.kind()) {
            case RETRYABLE -> {
                Duration delay = backoff(task.attempt());
                if (failure.retryAfter() != null && failure.retryAfter().compareTo(delay) > 0) {
                    delay = failure.retryAfter();
                }
                queue.retryOrFail(task, worker, failure.getMessage(), delay, properties.maxAttempts(), in, out, cost);
            }
            case TASK -> queue.fail(task, worker, failure.getMessage(), false);
            case JOB -> {
                log.warn("Job {} stopped: {}", task.jobId(), failure.getMessage());
                queue.fail(task, worker, failure.getMessage(), true);
            }
        }
    }

    /** Exponential in the attempt, capped, with "equal jitter": half fixed, half random, so retries spread out. */
    private Duration backoff(int attempt) {
        long base = properties.backoff().toMillis() << Math.min(20, Math.max(0, attempt - 1));
        long capped = Math.min(base, properties.maxBackoff().toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "worker";
        }
    }
}
