/**
 * The HTTP side of export: downloads of a job's pairs and study passages and their shared parameters, and datasets
 * (create, list, delete, download, hand-written pairs uploaded as CSV, JSONL or Parquet).
 */
package io.qaforge.export.api;
