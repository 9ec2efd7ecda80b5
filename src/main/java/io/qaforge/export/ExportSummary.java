package io.qaforge.export;

/** What an export wrote: accepted pairs, and the rows they were packed into. */
public record ExportSummary(long pairs, long rows) {
}
