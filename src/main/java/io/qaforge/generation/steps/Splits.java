package io.qaforge.generation.steps;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import io.qaforge.system.Sha256;

/**
 * Train/test assignment by pair or chunk, a pure function of the seed and the pair (or its chunk): re-running a task, a
 * replica or a whole job with the same seed puts every pair on the same side. By chunk, no fact is shared between train
 * and test. By fact, a pair trains until its job ends, when {@link ExamSplit} holds out phrasings of each fact.
 */
public final class Splits {

    public enum By { FACT, PAIR, CHUNK }

    private Splits() {
    }

    static String assign(long seed, By by, long chunkId, long dedupeKey, double testFraction) {
        if (by == By.FACT) {
            return "train";
        }
        long identity = by == By.CHUNK ? chunkId : dedupeKey;
        return unit(seed, by.name(), identity) < testFraction ? "test" : "train";
    }

    /** A uniform number in [0, 1) from SHA-256, so it does not depend on the JVM's hash functions. */
    private static double unit(long seed, String kind, long identity) {
        MessageDigest sha = Sha256.digest();
        sha.update(ByteBuffer.allocate(16).putLong(seed).putLong(identity).array());
        sha.update(kind.getBytes(StandardCharsets.UTF_8));
        return (ByteBuffer.wrap(sha.digest()).getLong() >>> 11) * 0x1.0p-53;
    }
}
