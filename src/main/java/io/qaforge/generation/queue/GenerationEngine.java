package io.qaforge.generation.queue;

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

import io.qaforge.generation.job.Specs;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.generation.provider.ProviderClient;
import io.qaforge.generation.provider.ProviderFailure;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.provider.RateLimiter;
import io.qaforge.generation.quality.PairParser;
import io.qaforge.system.Backoff;
import io.qaforge.system.Leases;

/**
 * Runs tasks: one claim loop per provider in each replica takes a concurrency slot, claims one task, waits for its turn
 * in the provider's shared budget and runs it on a virtual thread. All state lives in the database, so replicas can come
 * and go. A heartbeat renews the leases of the calls in flight, so a lease can be short however long a call takes: a
 * worker that dies stops renewing, and its tasks are claimed again once their short lease runs out.
 */
@Component
public class GenerationEngine implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GenerationEngine.class);

    private final GenerationProperties properties;
    private final Providers providers;
    private final TaskQueue queue;
    private final Specs specs;
    private final Work steps;
    private final Backoff backoff;
    private final String worker;
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    /** Renews the leases of this worker's claimed tasks whose outcome is not stored yet, a few times per lease. */
    private final Leases.Heartbeat<Long> inFlight;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean running;

    GenerationEngine(GenerationProperties properties, Providers providers, TaskQueue queue, Specs specs, Work steps, Replica replica) {
        this.properties = properties;
        this.providers = providers;
        this.queue = queue;
        this.specs = specs;
        this.steps = steps;
        this.backoff = new Backoff(properties.backoff(), properties.maxBackoff());
        this.worker = replica.name() + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.inFlight = Leases.heartbeat("lease-heartbeat", properties.lease().dividedBy(3),
                held -> queue.renew(worker, held, properties.lease()));
    }

    @Override
    public void start() {
        running = true;
        for (String provider : providers.names()) {
            threads.add(Thread.ofVirtual().name("claim-" + provider).start(() -> claimLoop(provider)));
        }
        inFlight.start();
        log.info("Generation worker {} claiming for providers {}", worker, providers.names());
    }

    @Override
    public void stop() {
        running = false;
        inFlight.stop();
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
    public void wake() {
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
                    var claimed = queue.claim(provider, worker, properties.lease(), client.config.batch());
                    if (claimed.isPresent()) {
                        TaskQueue.Claimed task = claimed.get();
                        inFlight.hold(task.id());
                        try {
                            client.awaitTurn(task.estTokens());
                        } catch (InterruptedException | RuntimeException e) {
                            inFlight.drop(task.id());
                            throw e;
                        }
                        start(client, task, slot.handOver());
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
                run(client, task);
            } finally {
                inFlight.drop(task.id());
                threads.remove(Thread.currentThread());
            }
        }));
    }

    private void idle() throws InterruptedException {
        wake.tryAcquire(properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Calls the provider and stores the outcome. The concurrency slot is given back only once the outcome and its cost
     * are stored: the next claim weighs the job's budget against what is spent, and given back as soon as the call
     * returned it let the next claims see this call at its estimate, so a model wordier than estimated ran past its
     * budget by a task per slot.
     */
    private void run(ProviderClient client, TaskQueue.Claimed task) {
        try {
            Work.Step step = steps.prepare(specs.of(task.jobId()), task, client.config.structuredOutput());
            if (step.prompt() == null) {
                // Nothing left to ask (a top-up whose facts were covered meanwhile): done without a call.
                client.settleTokens(task.estTokens(), 0);
                queue.complete(task, worker, TaskQueue.Spend.NONE, () -> {
                });
                return;
            }
            ProviderClient.Completion completion;
            try {
                completion = client.call(step.model(), step.temperature(), step.prompt(), step.schema());
            } catch (ProviderFailure failure) {
                client.settleTokens(task.estTokens(), 0);
                handle(task, failure, TaskQueue.Spend.NONE);
                return;
            }
            int in = completion.promptTokens(), out = completion.completionTokens();
            client.settleTokens(task.estTokens(), in + out);
            var spend = new TaskQueue.Spend(in, completion.cachedTokens(), out, client.cost(step.model(), completion, false));
            Runnable store;
            try {
                store = step.read(completion.content());
            } catch (PairParser.Unparseable e) {
                handle(task, new ProviderFailure(ProviderFailure.Kind.RETRYABLE, completion.unparseable(e.getMessage()), null), spend);
                return;
            }
            if (!queue.complete(task, worker, spend, store)) {
                log.info("Task {} was taken over or cancelled while it ran; its answer is dropped", task.id());
            }
        } catch (RuntimeException e) {
            if (running) {
                log.warn("Task {} broke off; it runs again when its lease expires", task.id(), e);
            }
        }
    }

    private void handle(TaskQueue.Claimed task, ProviderFailure failure, TaskQueue.Spend spend) {
        switch (failure.kind()) {
            case RETRYABLE -> {
                Duration delay = backoff.delay(task.attempt(), failure.retryAfter());
                queue.retryOrFail(task, worker, failure.getMessage(), delay, properties.maxAttempts(), spend);
            }
            case TASK -> queue.fail(task, worker, failure.getMessage(), false);
            case JOB -> {
                log.warn("Job {} stopped: {}", task.jobId(), failure.getMessage());
                queue.fail(task, worker, failure.getMessage(), true);
            }
        }
    }
}
