#!/usr/bin/env bash
# Generation throughput against a simulated provider that answers 429 past its requests/min limit and announces the
# limit in x-ratelimit-* headers as OpenAI does. Every run but the baseline uses the default configuration. Prints, per
# run, achieved requests/s over the provider's limit (target >= 0.95; two replicas >= 0.9), the share of calls answered
# 429 (target < 1 %), lost tasks (must be 0) and the speed-up over the sequential baseline (one call at a time) measured
# in the same run: 100 ms and 2 s latency at 600 and 3,000 requests/min, with injected faults, two replicas on one job
# (one stopping halfway), and a self-hosted server that announces nothing (vLLM-like: a fixed number of calls at once).
# Then the cost per 1,000 accepted pairs at list prices (gpt-4o-mini) on one document, side by side: (a) the reference
# recipe (one synchronous call per chunk x temperature, no judge) and (b) qaforge's default (facts + judge + coverage)
# in batch mode through the simulated Files and Batches API (BENCH_COST_FACTS paragraphs, 80).
# Knobs (environment): BENCH_SECONDS (60) of calls per run at the limit, BENCH_FAULT_PERCENT (20), BENCH_ONLY (a regex
# of run names; the baseline always runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bin/local-postgres
export JAVA_HOME=$(bin/java-home)
# Both are @Tag("benchmark"), which the pom excludes by default (test.excludedTags): cleared here.
./mvnw -B -q test -Dtest=GenerationBenchmark,CostBenchmark -Dtest.excludedTags= -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep '^bench'
