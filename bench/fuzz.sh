#!/usr/bin/env bash
# The standing searches for the next crash (issue 18), run longer than the suite's bounded runs of the same tests:
# - API (ApiFuzzTest): schemathesis, pinned in src/test/schemathesis (its own venv, cached by lock hash), against the
#   service's own OpenAPI document, every phase (the suite runs only fuzzing and stateful), with the API and worker tokens set and real ids seeded (a document, a job with
#   pairs, an exam, a training run, a dataset). Pass: no 5xx, every 4xx an application/problem+json.
# - Documents (DocumentFuzzTest): seeded mutations of a small PDF, DOCX, ODT, EPUB, HTML, TXT and MD (bit flips,
#   truncation, repeated and deleted slices, duplicated and removed zip entries, huge declared sizes, nested zips, bad
#   XML, NUL, invalid UTF-8, deep nesting), each uploaded, then issue 18's DOCX bomb (400 MB of empty paragraphs).
#   Pass: no 5xx, no OutOfMemoryError logged, READY or FAILED within 2 min, a refusal a problem that leaves no row or
#   large object, a FAILED document without chunks.
# The service runs inside each test JVM at the production heap (-Xmx2g, as bin/run starts it), on a fresh database of
# the local PostgreSQL. Prints per surface examples tried, 5xx found and other failures, and per kind of finding one
# reproducer (the API's as a curl command, the documents' as a file under target/fuzz-findings).
# Knobs (environment): FUZZ_API_EXAMPLES (200 per operation), FUZZ_DOCUMENTS (2000 files), FUZZ_BOMB (1; 0 leaves the
# bomb out). Exits non-zero when anything was found.
set -euo pipefail
cd "$(dirname "$0")/.."
bin/local-postgres
export JAVA_HOME=$(bin/java-home)
status=0
# One JVM per surface, the API first, so that a parser that ever exhausts the service's heap again spoils only its own.
search() {
    local log
    log=$(mktemp)
    JAVA_TOOL_OPTIONS=-Xmx2g ./mvnw -B test -Dsurefire.failIfNoSpecifiedTests=false "$@" >"$log" 2>&1 || status=1
    grep '^bench' "$log" || tail -50 "$log"
    echo "bench fuzz OutOfMemoryError lines in the service log: $(grep -c 'OutOfMemoryError' "$log" || true) (log: $log)"
}
search -Dtest=ApiFuzzTest -Dqaforge.fuzz.api-examples="${FUZZ_API_EXAMPLES:-200}" \
    -Dqaforge.fuzz.api-phases=examples,coverage,fuzzing,stateful
search -Dtest=DocumentFuzzTest -Dqaforge.fuzz.documents="${FUZZ_DOCUMENTS:-2000}" \
    -Dqaforge.fuzz.bombs="$([ "${FUZZ_BOMB:-1}" = 1 ] && echo true || echo false)"
exit $status
