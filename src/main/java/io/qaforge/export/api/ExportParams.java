package io.qaforge.export.api;

import io.swagger.v3.oas.annotations.media.Schema;

import io.qaforge.export.ExportFormat;
import io.qaforge.export.ExportOptions;

/**
 * The query parameters of a download, bound once for the job and the dataset endpoints; what is left out takes the
 * defaults of {@link ExportOptions}.
 */
record ExportParams(
        @Schema(description = "jsonl, csv or parquet", defaultValue = "jsonl") String format,
        @Schema(description = "train, test or all", defaultValue = "all") String split,
        @Schema(description = "consecutive pairs of one chunk in one multi-turn row", defaultValue = "" + ExportOptions.DEFAULT_PAIRS_PER_ROW)
        Integer pairsPerRow,
        @Schema(description = "same seed, same data: byte-identical file", defaultValue = "" + ExportOptions.DEFAULT_SEED) Long seed,
        @Schema(description = "a system message opening every row") String system,
        @Schema(description = "one pair per row with its provenance (csv and jsonl)", defaultValue = "false") Boolean flat) {

    ExportOptions options() {
        return new ExportOptions(ExportFormat.parse(orDefault(format, "jsonl")), orDefault(split, "all"),
                pairsPerRow == null ? ExportOptions.DEFAULT_PAIRS_PER_ROW : pairsPerRow,
                seed == null ? ExportOptions.DEFAULT_SEED : seed, system, Boolean.TRUE.equals(flat));
    }

    /** An empty parameter ({@code ?split=}) counts as left out, as it did for {@code @RequestParam(defaultValue)}. */
    private static String orDefault(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
