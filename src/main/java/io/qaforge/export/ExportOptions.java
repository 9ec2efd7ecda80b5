package io.qaforge.export;

import java.util.List;
import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * What an export writes.
 *
 * @param split       {@code train}, {@code test} or {@code all}
 * @param pairsPerRow consecutive pairs of one chunk packed into one multi-turn row
 * @param seed        same seed, same data: byte-identical file
 * @param system      optional system message opening every row
 * @param flat        one pair per row with its provenance columns instead of chat messages (CSV and JSONL)
 * @param handWrittenRepeat how many times each hand-written train pair is written, so a small careful set weighs more
 */
public record ExportOptions(ExportFormat format, String split, int pairsPerRow, long seed, String system, boolean flat,
                            int handWrittenRepeat) {

    public static final int DEFAULT_PAIRS_PER_ROW = 5;
    public static final int MAX_PAIRS_PER_ROW = 100;
    public static final long DEFAULT_SEED = 42;
    /** {@code all} (the default) is train and test together. */
    public static final List<String> SPLITS = List.of("all", "train", "test");
    public static final int MAX_HAND_WRITTEN_REPEAT = 1000;

    public ExportOptions(ExportFormat format, String split, int pairsPerRow, long seed, String system, boolean flat) {
        this(format, split, pairsPerRow, seed, system, flat, 1);
    }

    public ExportOptions {
        split = split.toLowerCase(Locale.ROOT);
        if (!SPLITS.contains(split)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_SPLIT, "Invalid split", "split must be train, test or all, not '" + split + "'");
        }
        if (pairsPerRow < 1 || pairsPerRow > MAX_PAIRS_PER_ROW) {
            throw ApiProblem.badRequest(ProblemType.INVALID_PAIRS_PER_ROW, "Invalid pairsPerRow",
                    "pairsPerRow must be between 1 and " + MAX_PAIRS_PER_ROW);
        }
        if (handWrittenRepeat < 1 || handWrittenRepeat > MAX_HAND_WRITTEN_REPEAT) {
            throw ApiProblem.badRequest(ProblemType.INVALID_HAND_WRITTEN_REPEAT, "Invalid handWrittenRepeat",
                    "handWrittenRepeat must be between 1 and " + MAX_HAND_WRITTEN_REPEAT);
        }
        if (flat && format == ExportFormat.PARQUET) {
            throw ApiProblem.badRequest(ProblemType.INVALID_FORMAT, "Flat Parquet not supported", "flat=true is for csv and jsonl");
        }
        if (system != null && system.isBlank()) {
            system = null;
        }
        if (flat) {
            pairsPerRow = 1;
        }
    }
}
