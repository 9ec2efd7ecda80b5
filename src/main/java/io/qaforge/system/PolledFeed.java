package io.qaforge.system;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
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
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Server-Sent Events that follow something the database holds (a job, a document) until it ends. All streams of one
 * thing share one feed, and one poll per second refreshes every watched thing of this replica in a single query; it
 * runs only while someone watches. Reading the database rather than listening to this replica's own work shows the
 * progress that other replicas make, and needs neither a connection held for LISTEN nor a way to re-listen after a
 * database restart.
 *
 * <p>Each stream has its own virtual thread, so one slow client never delays the others. A quiet stream gets a comment
 * line every keep-alive interval: proxies keep it open, and a client that went away is noticed (the write fails), its
 * stream closed and, with its thing's last stream, the polling for it stopped. Stopping the application ends every
 * stream, so that a graceful shutdown does not wait for clients that would follow a thing for an hour.
 *
 * @param <V> the view a stream sends, as the thing's {@code GET} shows it
 */
public abstract class PolledFeed<V> implements SmartLifecycle {

    /**
     * @param maxOpen   streams one replica keeps open at once; one more is refused with 503 {@code too-many-event-streams}
     * @param keepAlive a stream with nothing to send gets a comment line this often
     */
    public record Settings(int maxOpen, Duration keepAlive) {
    }

    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(PolledFeed.class);

    private final String event;
    private final Settings settings;
    private final Semaphore open;
    private final Map<UUID, Feed> feeds = new ConcurrentHashMap<>();
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService poller;
    private ScheduledFuture<?> polling;
    private volatile boolean running;

    /** @param event the SSE event name ({@code job}, {@code document}), also naming this feed's threads */
    protected PolledFeed(String event, Settings settings) {
        this.event = event;
        this.settings = settings;
        this.open = new Semaphore(settings.maxOpen());
        this.poller = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name(event + "-events-poll").factory());
    }

    protected abstract UUID id(V view);

    /** The latest views of these things, in one query; a thing left out is gone and its streams end. */
    protected abstract List<V> read(Collection<UUID> ids);

    /** Whether {@code next} shows the client something {@code sent} did not. */
    protected abstract boolean progressed(V sent, V next);

    /** Whether the thing has ended: its stream ends after sending this view. */
    protected abstract boolean ended(V view);

    /** The 503 a stream gets when {@link Settings#maxOpen()} are open already. */
    protected abstract ApiProblem tooMany(V current);

    /** A stream that starts with {@code current} and follows its thing until it ends. */
    public SseEmitter subscribe(V current) {
        if (!running || !open.tryAcquire()) {
            throw tooMany(current);
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
    public int openStreams() {
        return streams.size();
    }

    /** Things this replica polls for now. */
    public Set<UUID> watched() {
        return Set.copyOf(feeds.keySet());
    }

    private Feed watch(V current) {
        Feed feed = feeds.compute(id(current), (id, existing) -> {
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

    private void unwatch(UUID id) {
        feeds.computeIfPresent(id, (key, feed) -> --feed.subscribers == 0 ? null : feed);
        synchronized (this) {
            if (feeds.isEmpty() && polling != null) {
                polling.cancel(false);
                polling = null;
            }
        }
    }

    /** One query for every watched thing; each feed wakes its streams when its thing moved on or is gone. */
    private void refresh() {
        List<UUID> watched = List.copyOf(feeds.keySet());
        if (watched.isEmpty()) {
            return;
        }
        try {
            Set<UUID> gone = new HashSet<>(watched);
            for (V view : read(watched)) {
                gone.remove(id(view));
                Feed feed = feeds.get(id(view));
                if (feed != null) {
                    feed.publish(view);
                }
            }
            gone.forEach(id -> {
                Feed feed = feeds.get(id);
                if (feed != null) {
                    feed.publish(null);
                }
            });
        } catch (RuntimeException e) {
            log.warn("Polling {} events failed; trying again in {}", event, POLL, e);
        }
    }

    /** The latest view of one thing (null once it is gone), shared by its streams. */
    private final class Feed {

        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private V latest;
        private long version;
        /** Guarded by the feeds map's compute. */
        private int subscribers;

        Feed(V latest) {
            this.latest = latest;
        }

        void publish(V view) {
            lock.lock();
            try {
                if (latest != null && (view == null || progressed(latest, view))) {
                    latest = view;
                    version++;
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        /** The feed's state once it is newer than {@code seen}, or null when {@code timeout} passed first. */
        Versioned<V> await(long seen, Duration timeout) throws InterruptedException {
            lock.lock();
            try {
                long nanos = timeout.toNanos();
                while (version == seen && nanos > 0) {
                    nanos = changed.awaitNanos(nanos);
                }
                return version == seen ? null : new Versioned<>(latest, version);
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

    /** @param view null once the thing is gone */
    private record Versioned<V>(V view, long version) {
    }

    private final class Stream {

        private final V first;
        private final SseEmitter emitter;
        private final Thread thread;

        Stream(V first, SseEmitter emitter) {
            this.first = first;
            this.emitter = emitter;
            this.thread = Thread.ofVirtual().name(event + "-events-" + id(first)).unstarted(this::run);
        }

        void run() {
            Feed feed = null;
            try {
                send(first);
                if (ended(first)) {
                    emitter.complete();
                    return;
                }
                feed = watch(first);
                V sent = first;
                long seen = feed.version();
                while (true) {
                    Versioned<V> next = feed.await(seen, settings.keepAlive());
                    if (next == null) {
                        emitter.send(SseEmitter.event().comment("keep-alive"));
                        continue;
                    }
                    seen = next.version();
                    if (next.view() == null) {
                        emitter.complete();
                        return;
                    }
                    if (progressed(sent, next.view())) {
                        send(next.view());
                        sent = next.view();
                    }
                    if (ended(sent)) {
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
                    unwatch(id(first));
                }
                streams.remove(this);
                open.release();
            }
        }

        private void send(V view) throws IOException {
            emitter.send(SseEmitter.event().name(event).data(view, MediaType.APPLICATION_JSON));
        }
    }

    @Override
    public void start() {
        running = true;
    }

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
