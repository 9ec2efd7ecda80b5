package io.qaforge.export;

import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

public enum ExportFormat {
    JSONL("jsonl", "application/jsonl"),
    CSV("csv", "text/csv;charset=UTF-8"),
    PARQUET("parquet", "application/vnd.apache.parquet");

    private final String extension;
    private final String mediaType;

    ExportFormat(String extension, String mediaType) {
        this.extension = extension;
        this.mediaType = mediaType;
    }

    public String extension() {
        return extension;
    }

    public String mediaType() {
        return mediaType;
    }

    public static ExportFormat parse(String value) {
        for (ExportFormat format : values()) {
            if (format.extension.equals(value.toLowerCase(Locale.ROOT))) {
                return format;
            }
        }
        throw ApiProblem.badRequest(ProblemType.INVALID_FORMAT, "Invalid format", "format must be jsonl, csv or parquet, not '" + value + "'");
    }
}
