/**
 * Export: a job's (or a dataset's) accepted pairs as JSONL, CSV or Parquet, streamed in constant memory, and datasets,
 * named unions of jobs. Publishes {@link io.qaforge.export.Exporter} with its options
 * ({@link io.qaforge.export.ExportOptions}, {@link io.qaforge.export.ExportFormat}) and what it wrote
 * ({@link io.qaforge.export.ExportSummary}), {@link io.qaforge.export.StudyExport}, and datasets:
 * {@link io.qaforge.export.Dataset}, {@link io.qaforge.export.DatasetRepository} and
 * {@link io.qaforge.export.HandWrittenPairs}. The rest lives in module-internal rooms: {@code stream} (pairs from
 * PostgreSQL's COPY to encoded rows, and the shuffle), {@code format} (each file format's encoder and writer) and
 * {@code api} (the download and dataset endpoints).
 */
@ApplicationModule(allowedDependencies = {"generation", "system"})
package io.qaforge.export;

import org.springframework.modulith.ApplicationModule;
