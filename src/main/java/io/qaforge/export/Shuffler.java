package io.qaforge.export;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Shuffles rows of any count in bounded memory: each row goes, by its pseudo-random key, to one of enough temp-file
 * buckets that one bucket fits comfortably in memory; the buckets are then read back one at a time, sorted by key.
 * The keys depend only on the seed and the row's identity, so the same seed over the same data gives the same order.
 * (Sorting in PostgreSQL, as first designed, spilled 300 MB twice for 1M pairs and ran at half the target speed.)
 */
final class Shuffler implements Closeable {

    /** About 6 MB of text per bucket at typical pair sizes. */
    static final long PAIRS_PER_BUCKET = 20_000;
    private static final int MAX_BUCKETS = 2_000;

    private final Path dir;
    private final DataOutputStream[] buckets;
    private final ByteArrayOutputStream scratchBytes = new ByteArrayOutputStream(4096);
    private final DataOutputStream scratch = new DataOutputStream(scratchBytes);
    private long pairs;

    Shuffler(long pairs) throws IOException {
        this.dir = Files.createTempDirectory("qaforge-shuffle-");
        this.buckets = new DataOutputStream[(int) Math.clamp((pairs + PAIRS_PER_BUCKET - 1) / PAIRS_PER_BUCKET, 1, MAX_BUCKETS)];
    }

    void add(long key, List<QaPair> row) throws IOException {
        pairs += row.size();
        scratchBytes.reset();
        scratch.writeShort(row.size());
        for (QaPair pair : row) {
            scratch.writeLong(pair.chunkId());
            string(pair.split());
            string(pair.question());
            string(pair.answer());
            scratch.writeDouble(pair.temperature());
            string(pair.variant());
            scratch.writeInt(pair.pageFrom());
            scratch.writeInt(pair.pageTo());
        }
        DataOutputStream bucket = bucket((int) Long.remainderUnsigned(key, buckets.length));
        bucket.writeLong(key);
        bucket.writeInt(scratchBytes.size());
        scratchBytes.writeTo(bucket);
    }

    long pairs() {
        return pairs;
    }

    /** Writes every row added, bucket by bucket, each bucket in key order (ties in the order they were added). */
    long replay(RowWriter writer) throws IOException {
        long rows = 0;
        for (int b = 0; b < buckets.length; b++) {
            if (buckets[b] == null) {
                continue;
            }
            buckets[b].close();
            Path file = dir.resolve(b + ".bin");
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
            Files.delete(file);
            List<long[]> entries = new ArrayList<>();
            while (bytes.hasRemaining()) {
                long key = bytes.getLong();
                int length = bytes.getInt();
                entries.add(new long[] {key, bytes.position()});
                bytes.position(bytes.position() + length);
            }
            entries.sort(Comparator.<long[]>comparingLong(e -> e[0]).thenComparingLong(e -> e[1]));
            for (long[] entry : entries) {
                writer.write(read(bytes.position((int) entry[1])));
                rows++;
            }
        }
        return rows;
    }

    private DataOutputStream bucket(int b) throws IOException {
        if (buckets[b] == null) {
            buckets[b] = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(b + ".bin")), 1 << 15));
        }
        return buckets[b];
    }

    /** Length-prefixed UTF-8: unlike writeUTF, no 64 KB limit on an answer. */
    private void string(String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        scratch.writeInt(utf8.length);
        scratch.write(utf8);
    }

    private static List<QaPair> read(ByteBuffer in) {
        int size = in.getShort();
        List<QaPair> row = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            row.add(new QaPair(in.getLong(), string(in), string(in), string(in), in.getDouble(), string(in), in.getInt(), in.getInt()));
        }
        return row;
    }

    private static String string(ByteBuffer in) {
        int length = in.getInt();
        String value = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return value;
    }

    @Override
    public void close() {
        for (DataOutputStream bucket : buckets) {
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
    static long key(long seed, long... parts) {
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
