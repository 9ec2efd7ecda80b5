package io.qaforge.system;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Leases on rows, for work that one holder (a replica, a GPU worker) does at a time and another takes over when its
 * holder dies: generation tasks and batches, document extractions, training runs, Hub pushes. A row's lease runs out at
 * a time the row keeps; its holder renews it while it works (a {@link Heartbeat}), and a row whose lease ran out is
 * taken by whoever looks next, with {@code FOR UPDATE SKIP LOCKED} so that replicas never wait on each other. Every
 * write of a holder is guarded by its hold (a holder column, or an attempt number), so one that lost its lease changes
 * nothing. What a claim picks (fair shares, readiness) is each feature's own SQL, built from {@link Table#expired()} and
 * {@link #END}.
 */
@Component
public class Leases {

    /** SQL: the end of a lease of {@code :lease} seconds (see {@link #seconds}) from now. */
    public static final String END = "now() + make_interval(secs => :lease)";

    private static final Logger log = LoggerFactory.getLogger(Leases.class);

    /**
     * A leased table, its rows keyed by {@code id}.
     *
     * @param column when the lease runs out or, with {@code stale}, the holder's last sign of life
     * @param stale  null: {@code column} is the lease's end; else the lease runs out this long after {@code column}
     */
    public record Table(String name, String column, Duration stale) {

        /** Rows whose lease runs until the time in {@code column}. */
        public static Table until(String name, String column) {
            return new Table(name, column, null);
        }

        /** Rows that keep their holder's last sign of life in {@code column}. */
        public static Table lastBeat(String name, String column, Duration stale) {
            return new Table(name, column, stale);
        }

        /** SQL assignment that renews a row's lease for {@code :lease} seconds. */
        public String renewal() {
            return column + " = " + (stale == null ? END : "now()");
        }

        /** SQL condition: the row's lease ran out. */
        public String expired() {
            return column + (stale == null ? " < now()" : " < now() - make_interval(secs => " + stale.toSeconds() + ")");
        }
    }

    private final JdbcClient db;

    public Leases(JdbcClient db) {
        this.db = db;
    }

    /** A lease's length as the {@code :lease} parameter of {@link #END}. */
    public static double seconds(Duration lease) {
        return lease.toMillis() / 1000.0;
    }

    /**
     * Renews the leases of these rows for {@code lease}, where {@code held} (SQL, with named {@code params}) says they are
     * still held by the caller.
     *
     * @return how many rows were renewed
     */
    public int renew(Table table, Collection<?> ids, Duration lease, String held, Map<String, ?> params) {
        if (ids.isEmpty()) {
            return 0;
        }
        Map<String, Object> all = new HashMap<>(params);
        all.put("ids", List.copyOf(ids));
        all.put("lease", seconds(lease));
        return db.sql("UPDATE " + table.name() + " SET " + table.renewal() + " WHERE id IN (:ids) AND " + held)
                .params(all).update();
    }

    /**
     * Takes up to {@code limit} rows where {@code held} (SQL) says they are held but whose lease ran out, oldest lease
     * first, skipping rows another replica is taking right now: each gets {@code set} (SQL, may use {@code :lease}).
     *
     * @param returning the columns that {@code row} is mapped from, by name
     */
    public <T> List<T> takeExpired(Table table, String held, String set, Duration lease, int limit, String returning, Class<T> row) {
        return db.sql("UPDATE " + table.name() + " SET " + set + " WHERE id IN (SELECT id FROM " + table.name() + " WHERE " + held
                        + " AND " + table.expired() + " ORDER BY " + table.column() + " LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING " + returning)
                .param("lease", seconds(lease)).param("limit", limit).query(row).list();
    }

    /**
     * Renews, every {@code every}, the leases of what this replica holds, on a virtual thread of its own; a beat that
     * fails is logged and the next one tries again.
     *
     * @param beat gets what is held now (maybe nothing: a beat may also take over expired leases)
     */
    public static <K> Heartbeat<K> heartbeat(String name, Duration every, Consumer<Set<K>> beat) {
        return new Heartbeat<>(name, every, beat);
    }

    /**
     * A component that renews its leases while the application runs: Spring starts its heartbeat with the context and
     * stops it with it (the test context cache also stops idle contexts, and starts them again).
     */
    public interface Beating extends SmartLifecycle {

        Heartbeat<?> heartbeat();

        @Override
        default void start() {
            heartbeat().start();
        }

        @Override
        default void stop() {
            heartbeat().stop();
        }

        @Override
        default boolean isRunning() {
            return heartbeat().isRunning();
        }
    }

    /** What this replica holds leases on, renewed while it runs. */
    public static final class Heartbeat<K> {

        private final String name;
        private final Duration every;
        private final Consumer<Set<K>> beat;
        private final Set<K> held = ConcurrentHashMap.newKeySet();
        private volatile Thread thread;

        private Heartbeat(String name, Duration every, Consumer<Set<K>> beat) {
            this.name = name;
            this.every = every;
            this.beat = beat;
        }

        public void hold(K key) {
            held.add(key);
        }

        public void drop(K key) {
            held.remove(key);
        }

        /** Beats now and then every {@code every} until {@link #stop}. */
        public synchronized void start() {
            if (thread == null) {
                thread = Thread.ofVirtual().name(name).start(this::run);
            }
        }

        public synchronized void stop() {
            if (thread != null) {
                thread.interrupt();
                thread = null;
            }
        }

        public boolean isRunning() {
            return thread != null;
        }

        /** One beat, now. */
        public void beat() {
            beat.accept(Set.copyOf(held));
        }

        private void run() {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    beat();
                } catch (RuntimeException e) {
                    log.warn("Lease heartbeat {} failed; trying again in {}", name, every, e);
                }
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
