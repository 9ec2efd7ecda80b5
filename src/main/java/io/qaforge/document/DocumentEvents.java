package io.qaforge.document;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Server-Sent Events of documents being extracted. One query a second reads every watched document (whichever replica
 * extracts it) and feeds all of its subscribers; nothing is read while nobody watches. A {@code document} event
 * carries the document as {@code GET /api/documents/{id}} shows it, sent when it changes; the stream ends after the
 * event that shows it READY or FAILED.
 */
@Component
class DocumentEvents {

    static final int MAX_STREAMS = 1000;
    private static final Duration STREAM_TIMEOUT = Duration.ofHours(1);
    private static final long POLL_MILLIS = 1000;

    private final DocumentRepository documents;
    private final Map<UUID, Set<SseEmitter>> subscribers = new ConcurrentHashMap<>();
    private final Map<UUID, Instant> lastSent = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("document-events").daemon().factory());

    DocumentEvents(DocumentRepository documents) {
        this.documents = documents;
        poller.scheduleWithFixedDelay(this::poll, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    SseEmitter subscribe(Document document) {
        if (open.incrementAndGet() > MAX_STREAMS) {
            open.decrementAndGet();
            throw new ApiProblem(HttpStatus.SERVICE_UNAVAILABLE, ProblemType.TOO_MANY_EVENT_STREAMS, "Too many event streams",
                    "This replica serves at most " + MAX_STREAMS + " document event streams at once; poll GET /api/documents/{id} instead");
        }
        var emitter = new SseEmitter(STREAM_TIMEOUT.toMillis());
        UUID id = document.getId();
        Runnable leave = () -> {
            Set<SseEmitter> set = subscribers.get(id);
            if (set != null && set.remove(emitter)) {
                open.decrementAndGet();
                subscribers.computeIfPresent(id, (key, value) -> value.isEmpty() ? null : value);
            }
        };
        emitter.onCompletion(leave);
        emitter.onTimeout(leave);
        emitter.onError(error -> leave.run());
        DocumentView view = DocumentView.of(document);
        if (!send(emitter, view)) {
            open.decrementAndGet();
            return emitter;
        }
        if (document.getStatus() != Document.Status.PROCESSING) {
            open.decrementAndGet();
            emitter.complete();
            return emitter;
        }
        subscribers.computeIfAbsent(id, key -> new CopyOnWriteArraySet<>()).add(emitter);
        lastSent.putIfAbsent(id, document.getUpdatedAt());
        return emitter;
    }

    private void poll() {
        try {
            if (subscribers.isEmpty()) {
                lastSent.clear();
                return;
            }
            List<UUID> ids = List.copyOf(subscribers.keySet());
            Map<UUID, Document> found = new ConcurrentHashMap<>();
            documents.findAllById(ids).forEach(d -> found.put(d.getId(), d));
            for (UUID id : ids) {
                Document document = found.get(id);
                Set<SseEmitter> set = subscribers.get(id);
                if (set == null) {
                    continue;
                }
                if (document == null) {
                    set.forEach(SseEmitter::complete);
                    continue;
                }
                if (!document.getUpdatedAt().equals(lastSent.get(id))) {
                    lastSent.put(id, document.getUpdatedAt());
                    DocumentView view = DocumentView.of(document);
                    set.forEach(emitter -> send(emitter, view));
                }
                if (document.getStatus() != Document.Status.PROCESSING) {
                    set.forEach(SseEmitter::complete);
                    lastSent.remove(id);
                }
            }
        } catch (RuntimeException e) {
            // The database may be briefly away: the next poll tries again.
        }
    }

    private static boolean send(SseEmitter emitter, DocumentView view) {
        try {
            emitter.send(SseEmitter.event().name("document").data(view, MediaType.APPLICATION_JSON));
            return true;
        } catch (IOException | IllegalStateException clientGone) {
            emitter.completeWithError(clientGone);
            return false;
        }
    }

    @PreDestroy
    void shutdown() {
        poller.shutdownNow();
        subscribers.values().forEach(set -> set.forEach(SseEmitter::complete));
    }
}
