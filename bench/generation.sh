#!/usr/bin/env bash
# Generation throughput against a simulated provider (fixed latency, requests/min limit answering 429 past it).
# Prints achieved requests/s over min(R/60, concurrency/latency) (target >= 0.95), the share of calls answered 429
# (target < 1 %), lost tasks (must be 0), the sequential baseline, and the same with injected faults.
# Knobs (environment): BENCH_CHUNKS (250) x BENCH_TEMPERATURES (8) tasks, BENCH_RPM (3000), BENCH_LATENCY_MS (100),
# BENCH_CONCURRENCY (8), BENCH_FAULT_PERCENT (20).
set -euo pipefail
cd "$(dirname "$0")/.."
bin/local-postgres
export JAVA_HOME=$(bin/java-home)
./mvnw -B -q test -Dtest=GenerationBenchmark -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep '^bench'
