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
 */
public record ExportOptions(ExportFormat format, String split, int pairsPerRow, long seed, String system, boolean flat) {

    public static final int DEFAULT_PAIRS_PER_ROW = 5;
    public static final int MAX_PAIRS_PER_ROW = 100;
    public static final long DEFAULT_SEED = 42;
    /** {@code all} (the default) is train and test together. */
    public static final List<String> SPLITS = List.of("all", "train", "test");

    public ExportOptions {
        split = split.toLowerCase(Locale.ROOT);
        if (!SPLITS.contains(split)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_SPLIT, "Invalid split", "split must be train, test or all, not '" + split + "'");
        }
        if (pairsPerRow < 1 || pairsPerRow > MAX_PAIRS_PER_ROW) {
            throw ApiProblem.badRequest(ProblemType.INVALID_PAIRS_PER_ROW, "Invalid pairsPerRow",
                    "pairsPerRow must be between 1 and " + MAX_PAIRS_PER_ROW);
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
