/**
 * Export: a job's (or a dataset's) accepted pairs as JSONL, CSV or Parquet, streamed in constant memory, and datasets,
 * named unions of jobs. Publishes {@link io.qaforge.export.Exporter} with its options and
 * {@link io.qaforge.export.DatasetRepository}.
 */
@ApplicationModule(allowedDependencies = {"generation", "system"})
package io.qaforge.export;

import org.springframework.modulith.ApplicationModule;
