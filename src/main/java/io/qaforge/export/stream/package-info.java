/**
 * The way pairs travel from PostgreSQL to a file without growing memory: the binary COPY read in place, pairs as UTF-8
 * slices, rows encoded into a reused buffer, and the seeded shuffle through temp-file buckets that replays them in order.
 */
package io.qaforge.export.stream;
