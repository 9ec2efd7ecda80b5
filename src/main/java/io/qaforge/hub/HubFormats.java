package io.qaforge.hub;

import java.util.List;
import java.util.stream.Collectors;

import io.qaforge.export.ExportFormat;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * The export formats a Hub push carries, the default first. Never CSV: it holds each row's messages as JSON text,
 * which {@code datasets} loads as a string rather than the list of messages a chat trainer reads.
 */
public final class HubFormats {

    public static final List<ExportFormat> ACCEPTED = List.of(ExportFormat.PARQUET, ExportFormat.JSONL);

    private HubFormats() {
    }

    /**
     * One format per push: {@code datasets} picks one reader for a whole repo from its most common file extension, so a
     * repo holding Parquet and JSONL side by side fails to load (found by the test that loads a pushed repo).
     */
    static ExportFormat parse(String name) {
        ExportFormat format = name == null ? ACCEPTED.getFirst() : ExportFormat.parse(name);
        if (!ACCEPTED.contains(format)) {
            throw ApiProblem.badRequest(ProblemType.INVALID_FORMAT, "Invalid format", "Hub pushes carry "
                    + ACCEPTED.stream().map(ExportFormat::extension).collect(Collectors.joining(" or ")) + ", not " + name);
        }
        return format;
    }
}
