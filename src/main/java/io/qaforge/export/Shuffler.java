package io.qaforge.export;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final OutputStream[] buckets;
    /** Split and variant names repeat on every pair: each is written once as a number. */
    private final Map<String, Integer> codes = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final Record record = new Record();
    private final DataOutputStream scratch = new DataOutputStream(record);
    private long pairs;

    /** A row's bytes, prefixed by its key and length, handed to the bucket in one write. */
    private static final class Record extends ByteArrayOutputStream {
        Record() {
            super(4096);
        }

        void writeTo(OutputStream out, long key) throws IOException {
            ByteBuffer.wrap(buf).putLong(0, key).putInt(8, count - 12);
            out.write(buf, 0, count);
        }
    }

    Shuffler(long pairs) throws IOException {
        this.dir = Files.createTempDirectory("qaforge-shuffle-");
        this.buckets = new OutputStream[(int) Math.clamp((pairs + PAIRS_PER_BUCKET - 1) / PAIRS_PER_BUCKET, 1, MAX_BUCKETS)];
    }

    long pairs() {
        return pairs;
    }

    void add(long key, List<QaPair> row) throws IOException {
        pairs += row.size();
        record.reset();
        scratch.writeLong(0); // key and length, filled in by writeTo
        scratch.writeInt(0);
        scratch.writeShort(row.size());
        for (QaPair pair : row) {
            scratch.writeLong(pair.chunkId());
            scratch.writeShort(code(pair.split()));
            bytes(pair.question());
            bytes(pair.answer());
            scratch.writeDouble(pair.temperature());
            scratch.writeShort(code(pair.variant()));
            scratch.writeInt(pair.pageFrom());
            scratch.writeInt(pair.pageTo());
            scratch.writeShort(pair.factIds() == null ? -1 : pair.factIds().length);
            for (long fact : pair.factIds() == null ? new long[0] : pair.factIds()) {
                scratch.writeLong(fact);
            }
            scratch.writeShort(pair.direction() == null ? -1 : code(pair.direction()));
        }
        record.writeTo(bucket((int) Long.remainderUnsigned(key, buckets.length)), key);
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
                writer.write(read(bytes.position((int) order[i])));
                rows++;
            }
        }
        return rows;
    }

    private OutputStream bucket(int b) throws IOException {
        if (buckets[b] == null) {
            buckets[b] = new BufferedOutputStream(Files.newOutputStream(dir.resolve(b + ".bin")), 1 << 15);
        }
        return buckets[b];
    }

    private int code(String name) {
        return codes.computeIfAbsent(name, n -> {
            names.add(n);
            return names.size() - 1;
        });
    }

    /** Length-prefixed: unlike writeUTF, no 64 KB limit on an answer. */
    private void bytes(byte[] value) throws IOException {
        scratch.writeInt(value.length);
        scratch.write(value);
    }

    private List<QaPair> read(ByteBuffer in) {
        int size = in.getShort();
        List<QaPair> row = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            row.add(new QaPair(in.getLong(), names.get(in.getShort()), bytes(in), bytes(in), in.getDouble(), names.get(in.getShort()),
                    in.getInt(), in.getInt(), factIds(in), name(in.getShort())));
        }
        return row;
    }

    private static long[] factIds(ByteBuffer in) {
        int count = in.getShort();
        if (count < 0) {
            return null;
        }
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = in.getLong();
        }
        return ids;
    }

    private String name(int code) {
        return code < 0 ? null : names.get(code);
    }

    private static byte[] bytes(ByteBuffer in) {
        int length = in.getInt();
        byte[] value = Arrays.copyOfRange(in.array(), in.position(), in.position() + length);
        in.position(in.position() + length);
        return value;
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
