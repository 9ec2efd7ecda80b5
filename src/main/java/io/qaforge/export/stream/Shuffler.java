package io.qaforge.export.stream;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Shuffles rows of any count in bounded memory: each row goes, by its pseudo-random key, to one of enough temp-file
 * buckets that one bucket fits comfortably in memory; the buckets are then read back one at a time, sorted by key.
 * The keys depend only on the seed and the row's identity, so the same seed over the same data gives the same order.
 * (Sorting in PostgreSQL, as first designed, spilled 300 MB twice for 1M pairs and ran at half the target speed.)
 */
public final class Shuffler implements Closeable {

    /** About 6 MB of text per bucket at typical pair sizes. */
    static final long PAIRS_PER_BUCKET = 20_000;
    private static final int MAX_BUCKETS = 2_000;

    private final Path dir;
    private final OutputStream[] buckets;
    /** A row's key and length, written before its bytes. */
    private final ByteBuffer header = ByteBuffer.allocate(12);
    private long pairs;

    public Shuffler(long pairs) throws IOException {
        this.dir = Files.createTempDirectory("qaforge-shuffle-");
        this.buckets = new OutputStream[(int) Math.clamp((pairs + PAIRS_PER_BUCKET - 1) / PAIRS_PER_BUCKET, 1, MAX_BUCKETS)];
    }

    public long pairs() {
        return pairs;
    }

    /** Adds an encoded row of {@code pairs} pairs. */
    public void add(long key, int pairs, RowBuffer row) throws IOException {
        this.pairs += pairs;
        OutputStream bucket = bucket((int) Long.remainderUnsigned(key, buckets.length));
        bucket.write(header.clear().putLong(key).putInt(row.size()).array());
        bucket.write(row.array(), 0, row.size());
    }

    /** Writes every row added, bucket by bucket, each bucket in key order (ties in the order they were added). */
    public long replay(RowWriter writer) throws IOException {
        return replay(List.of(writer));
    }

    /**
     * Writes every row added as {@link #replay(RowWriter)} orders them, cut into consecutive parts written at once, one
     * writer and thread each: the first writer gets the first buckets, the next the following ones. Fewer parts are
     * written when there are fewer buckets (the writers left over get no rows).
     */
    public long replay(List<RowWriter> parts) throws IOException {
        for (OutputStream bucket : buckets) {
            if (bucket != null) {
                bucket.close();
            }
        }
        int count = Math.min(parts.size(), buckets.length);
        if (count == 1) {
            return replay(0, buckets.length, parts.getFirst());
        }
        try (ExecutorService threads = Executors.newFixedThreadPool(count, Thread.ofPlatform().name("export-replay-", 0).factory())) {
            List<Future<Long>> rows = new ArrayList<>();
            for (int part = 0; part < count; part++) {
                int from = buckets.length * part / count;
                int to = buckets.length * (part + 1) / count;
                RowWriter writer = parts.get(part);
                rows.add(threads.submit(() -> replay(from, to, writer)));
            }
            long total = 0;
            for (Future<Long> part : rows) {
                total += part.get();
            }
            return total;
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException runtime -> throw runtime;
                default -> throw new IllegalStateException(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the export", e);
        }
    }

    private long replay(int fromBucket, int toBucket, RowWriter writer) throws IOException {
        // A bucket's bytes as read back, reused from bucket to bucket so that replay allocates no large arrays.
        ByteBuffer bytes = ByteBuffer.allocate(0);
        long rows = 0;
        for (int b = fromBucket; b < toBucket; b++) {
            if (buckets[b] == null) {
                continue;
            }
            Path file = dir.resolve(b + ".bin");
            bytes = read(file, bytes);
            Files.delete(file);
            // The key's upper half, then the row's offset: one primitive sort, ties broken by the order of arrival.
            long[] order = new long[1024];
            int n = 0;
            while (bytes.hasRemaining()) {
                long key = bytes.getLong();
                int length = bytes.getInt();
                if (n == order.length) {
                    order = Arrays.copyOf(order, n * 2);
                }
                order[n++] = key & 0xFFFFFFFF00000000L | bytes.position();
                bytes.position(bytes.position() + length);
            }
            Arrays.sort(order, 0, n);
            for (int i = 0; i < n; i++) {
                int offset = (int) order[i];
                writer.write(bytes.array(), offset, bytes.getInt(offset - 4));
                rows++;
            }
        }
        return rows;
    }

    /** The file's bytes, in {@code buffer} where they fit. */
    private static ByteBuffer read(Path file, ByteBuffer buffer) throws IOException {
        try (FileChannel channel = FileChannel.open(file)) {
            int size = Math.toIntExact(channel.size());
            ByteBuffer bytes = buffer.capacity() >= size ? buffer : ByteBuffer.allocate(Math.max(size, buffer.capacity() + buffer.capacity() / 2));
            bytes.clear().limit(size);
            while (bytes.hasRemaining() && channel.read(bytes) >= 0) {
                // reads until the buffer holds the whole file
            }
            return bytes.flip();
        }
    }

    private OutputStream bucket(int b) throws IOException {
        if (buckets[b] == null) {
            buckets[b] = new BufferedOutputStream(Files.newOutputStream(dir.resolve(b + ".bin")), 1 << 15);
        }
        return buckets[b];
    }

    @Override
    public void close() {
        for (OutputStream bucket : buckets) {
            try {
                if (bucket != null) {
                    bucket.close();
                }
            } catch (IOException ignored) {
                // Already failing or finished; the files go below either way.
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SplitMix64's finaliser: a well-spread 64-bit key from the seed and a row's identity. */
    public static long key(long seed, long... parts) {
        long h = seed;
        for (long part : parts) {
            h = mix(h ^ mix(part + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
