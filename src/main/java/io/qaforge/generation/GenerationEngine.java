package io.qaforge.generation;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

import io.qaforge.system.Backoff;

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
    private final Specs specs;
    private final Steps steps;
    private final Backoff backoff;
    private final String worker;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;

    GenerationEngine(GenerationProperties properties, Providers providers, TaskQueue queue, Specs specs, Steps steps) {
        this.properties = properties;
        this.providers = providers;
        this.queue = queue;
        this.specs = specs;
        this.steps = steps;
        this.backoff = new Backoff(properties.backoff(), properties.maxBackoff());
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
                boolean started;
                try (RateLimiter.Slot slot = client.limiter.acquireSlot()) {
                    client.limiter.awaitRequest();
                    var claimed = queue.claim(provider, worker, properties.lease());
                    if (claimed.isPresent()) {
                        start(client, claimed.get(), slot.handOver());
                    } else {
                        client.limiter.refundRequest();
                    }
                    started = claimed.isPresent();
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

    /** Runs the task on its own virtual thread, which owns the slot from here on. */
    private void start(ProviderClient client, TaskQueue.Claimed task, RateLimiter.Slot slot) {
        threads.add(Thread.ofVirtual().name("task-" + task.id()).start(() -> {
            try (slot) {
                run(client, task, slot);
            } finally {
                threads.remove(Thread.currentThread());
            }
        }));
    }

    private void idle() throws InterruptedException {
        wake.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Calls the provider and stores the outcome; the concurrency slot is given back as soon as the call returns. */
    private void run(ProviderClient client, TaskQueue.Claimed task, RateLimiter.Slot slot) {
        try {
            Steps.Step step = steps.prepare(specs.of(task.jobId()), task, client.config.structuredOutput());
            if (step.prompt() == null) {
                slot.close();
                client.limiter.refundRequest();
                queue.complete(task, worker, 0, 0, BigDecimal.ZERO, () -> {
                });
                return;
            }
            client.limiter.awaitTokens(task.estTokens());
            ProviderClient.Completion completion;
            try {
                completion = client.call(step.model(), step.temperature(), step.prompt(), step.schema());
            } catch (ProviderFailure failure) {
                slot.close();
                client.limiter.settleTokens(task.estTokens(), 0);
                handle(task, failure, 0, 0, BigDecimal.ZERO);
                return;
            }
            slot.close();
            int in = completion.promptTokens(), out = completion.completionTokens();
            client.limiter.settleTokens(task.estTokens(), in + out);
            BigDecimal cost = client.cost(step.model(), in, out);
            Runnable store;
            try {
                store = step.read(completion.content());
            } catch (PairParser.Unparseable e) {
                handle(task, new ProviderFailure(ProviderFailure.Kind.RETRYABLE, "unparseable answer: " + e.getMessage()
                        + (completion.finishReason() == null ? "" : " (finish_reason " + completion.finishReason() + ")"), null),
                        in, out, cost);
                return;
            }
            if (!queue.complete(task, worker, in, out, cost, store)) {
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
                Duration delay = backoff.delay(task.attempt(), failure.retryAfter());
                queue.retryOrFail(task, worker, failure.getMessage(), delay, properties.maxAttempts(), in, out, cost);
            }
            case TASK -> queue.fail(task, worker, failure.getMessage(), false);
            case JOB -> {
                log.warn("Job {} stopped: {}", task.jobId(), failure.getMessage());
                queue.fail(task, worker, failure.getMessage(), true);
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "worker";
        }
    }
}
