package io.qaforge.generation;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Job progress as Server-Sent Events. All streams of one job share one feed, and one poll per second refreshes every
 * watched job of this replica in a single query; it runs only while someone watches. Reading the database rather than
 * listening to this replica's engine shows the progress that other replicas make on the same job, and needs neither a
 * connection held for LISTEN nor a way to re-listen after a database restart.
 *
 * <p>Each stream has its own virtual thread, so one slow client never delays the others. A quiet stream gets a comment
 * line every keep-alive interval: proxies keep it open, and a client that went away is noticed (the write fails), its
 * stream closed and, with its job's last stream, the job's polling stopped.
 */
@Component
class JobEvents implements SmartLifecycle {

    static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(JobEvents.class);

    private final JobViews views;
    private final GenerationProperties.EventStreams settings;
    private final Semaphore open;
    private final Map<UUID, Feed> feeds = new ConcurrentHashMap<>();
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("job-events-poll").factory());
    private ScheduledFuture<?> polling;
    private volatile boolean running;

    JobEvents(JobViews views, GenerationProperties properties) {
        this.views = views;
        this.settings = properties.events();
        this.open = new Semaphore(settings.maxOpen());
    }

    /** A stream that starts with {@code current} and follows the job until it ends. */
    SseEmitter subscribe(JobViews.View current) {
        if (!running || !open.tryAcquire()) {
            throw new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_EVENT_STREAMS, "Too many event streams",
                    settings.maxOpen() + " job event streams are open, the most this service keeps "
                            + "(qaforge.generation.events.max-open); close one, poll GET /api/jobs/" + current.id() + ", or try again later");
        }
        SseEmitter emitter = new SseEmitter(TIMEOUT.toMillis());
        Stream stream = new Stream(current, emitter);
        streams.add(stream);
        // The container tells of a timeout or a failed write on its side; the stream's thread then stops waiting.
        emitter.onCompletion(stream.thread::interrupt);
        emitter.onTimeout(stream.thread::interrupt);
        emitter.onError(error -> stream.thread.interrupt());
        stream.thread.start();
        return emitter;
    }

    /** Streams open now. */
    int openStreams() {
        return streams.size();
    }

    /** Jobs this replica polls for now. */
    Set<UUID> watchedJobs() {
        return Set.copyOf(feeds.keySet());
    }

    private Feed watch(JobViews.View current) {
        Feed feed = feeds.compute(current.id(), (id, existing) -> {
            Feed f = existing == null ? new Feed(current) : existing;
            f.subscribers++;
            return f;
        });
        synchronized (this) {
            if (running && (polling == null || polling.isDone())) {
                polling = poller.scheduleWithFixedDelay(this::refresh, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        return feed;
    }

    private void unwatch(UUID jobId) {
        feeds.computeIfPresent(jobId, (id, feed) -> --feed.subscribers == 0 ? null : feed);
        synchronized (this) {
            if (feeds.isEmpty() && polling != null) {
                polling.cancel(false);
                polling = null;
            }
        }
    }

    /** One query for every watched job; each feed wakes its streams when its job moved on. */
    private void refresh() {
        List<UUID> watched = List.copyOf(feeds.keySet());
        if (watched.isEmpty()) {
            return;
        }
        try {
            for (JobViews.View view : views.views(watched)) {
                Feed feed = feeds.get(view.id());
                if (feed != null) {
                    feed.publish(view);
                }
            }
        } catch (RuntimeException e) {
            log.warn("Job event poll failed; trying again in {}", POLL, e);
        }
    }

    /** The latest view of one job, shared by its streams. */
    private static final class Feed {

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private JobViews.View latest;
        private long version;
        /** Guarded by the feeds map's compute. */
        private int subscribers;

        Feed(JobViews.View latest) {
            this.latest = latest;
        }

        void publish(JobViews.View view) {
            lock.lock();
            try {
                if (latest.progressedTo(view)) {
                    latest = view;
                    version++;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /** The view once it is newer than {@code seen}, or null when {@code timeout} passed first. */
        Versioned await(long seen, Duration timeout) throws InterruptedException {
            lock.lock();
            try {
                long nanos = timeout.toNanos();
                while (version == seen && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return version == seen ? null : new Versioned(latest, version);
            } finally {
                lock.unlock();
            }
        }

        long version() {
            lock.lock();
            try {
                return version;
            } finally {
                lock.unlock();
            }
        }
    }

    private record Versioned(JobViews.View view, long version) {
    }

    private final class Stream {

        private final JobViews.View first;
        private final SseEmitter emitter;
        private final Thread thread;

        Stream(JobViews.View first, SseEmitter emitter) {
            this.first = first;
            this.emitter = emitter;
            this.thread = Thread.ofVirtual().name("job-events-" + first.id()).unstarted(this::run);
        }

        void run() {
            Feed feed = null;
            try {
                send(first);
                if (first.status().terminal()) {
                    emitter.complete();
                    return;
                }
                feed = watch(first);
                JobViews.View sent = first;
                long seen = feed.version();
                while (true) {
                    Versioned next = feed.await(seen, settings.keepAlive());
                    if (next == null) {
                        emitter.send(SseEmitter.event().comment("keep-alive"));
                        continue;
                    }
                    seen = next.version();
                    if (sent.progressedTo(next.view())) {
                        send(next.view());
                        sent = next.view();
                    }
                    if (sent.status().terminal()) {
                        emitter.complete();
                        return;
                    }
                }
            } catch (IOException | IllegalStateException clientGone) {
                emitter.completeWithError(clientGone);
            } catch (InterruptedException stopped) {
                emitter.complete();
            } catch (RuntimeException e) {
                emitter.completeWithError(e);
            } finally {
                if (feed != null) {
                    unwatch(first.id());
                }
                streams.remove(this);
                open.release();
            }
        }

        private void send(JobViews.View view) throws IOException {
            emitter.send(SseEmitter.event().name("job").data(view, MediaType.APPLICATION_JSON));
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** Ends every stream, so that a graceful shutdown does not wait for clients that would follow a job for an hour. */
    @Override
    public void stop() {
        running = false;
        streams.forEach(stream -> stream.thread.interrupt());
        synchronized (this) {
            if (polling != null) {
                polling.cancel(false);
                polling = null;
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @PreDestroy
    void close() {
        poller.shutdownNow();
    }
}
