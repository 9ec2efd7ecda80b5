#!/usr/bin/env bash
# Export benchmark: 1,000,000 accepted pairs (PAIRS to change) exported end to end through the HTTP endpoint in each
# format by the service running with -Xmx256m (after a warm-up export, median of three). Prints pairs/s, file size and
# heap figures from the GC log, beside a baseline: psql COPYing the same pairs to /dev/null (how fast PostgreSQL alone
# hands them out), run before each of the format's runs (median of three) so that both see the same load.
# FORMATS: the queries to run (e.g. FORMATS=format=parquet). Needs the local PostgreSQL (bin/local-postgres); creates
# and drops its own database. Not part of bin/test.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-1000000}
PORT=${PORT:-18093}
DB=qaforge_bench_$$
export PGPASSWORD=qaforge
PSQL=(psql -h localhost -U qaforge -v ON_ERROR_STOP=1 -qAt)
WORK=$(mktemp -d)
SERVICE=

cleanup() {
    if [ -n "$SERVICE" ]; then kill "$SERVICE" 2>/dev/null || true; wait "$SERVICE" 2>/dev/null || true; fi
    "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

bin/local-postgres
export JAVA_HOME=$(bin/java-home)
./mvnw -q -B -DskipTests package
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"

# shellcheck disable=SC2086 # JAVA_OPTS: extra JVM flags, e.g. a profiler
"$JAVA_HOME/bin/java" -Xmx${HEAP:-256m} -Xlog:gc:file="$WORK/gc.log" ${JAVA_OPTS:-} -jar target/qaforge.jar \
    --server.port="$PORT" --spring.datasource.url="jdbc:postgresql://localhost:5432/$DB" \
    --qaforge.security.api-token= >"$WORK/service.log" 2>&1 &
SERVICE=$!
for _ in $(seq 1 300); do # a loaded machine starts the service slowly
    curl -sf "http://localhost:$PORT/actuator/health" >/dev/null && break
    sleep 1
done
curl -sf "http://localhost:$PORT/actuator/health" >/dev/null || { tail -50 "$WORK/service.log"; exit 1; }

echo "seeding $PAIRS pairs (8 per task, 1 in 97 rejected, 1 in 11 test) ..."
start=$(date +%s.%N)
"${PSQL[@]}" -d "$DB" <<SQL
INSERT INTO document VALUES ('00000000-0000-0000-0000-000000000001', 'bench.txt', NULL, repeat('a', 64), 'text/plain', 1, 1000, 1, 1000, 'READY');
INSERT INTO chunk SELECT g, '00000000-0000-0000-0000-000000000001', g, 'chunk', 500, g / 3 + 1, g / 3 + 1, 0, 5
FROM generate_series(1, ($PAIRS + 79) / 80) g;
INSERT INTO job VALUES ('00000000-0000-0000-0000-0000000000aa', 'COMPLETED', 'openai', 'gpt-4o-mini', 'ctx', '{}', '{}');
INSERT INTO task (id, job_id, chunk_id, temperature, variant, status)
SELECT g, '00000000-0000-0000-0000-0000000000aa', (g - 1) / 10 + 1, ((g - 1) % 10) * 0.13 + 0.01, 'standard', 'DONE'
FROM generate_series(1, ($PAIRS + 7) / 8) g;
ALTER TABLE qa_pair DROP CONSTRAINT qa_pair_task_id_fkey, DROP CONSTRAINT qa_pair_chunk_id_fkey, DROP CONSTRAINT qa_pair_job_id_fkey;
INSERT INTO qa_pair (id, job_id, task_id, chunk_id, ordinal, question, answer, temperature, variant, model, attempt, split, rejected_reason)
SELECT g, '00000000-0000-0000-0000-0000000000aa', (g - 1) / 8 + 1, ((g - 1) / 8) / 10 + 1, (g - 1) % 8,
       'What does section ' || g || ' of the reference manual say about the behaviour of this function on empty input?',
       'Section ' || g || ' says it returns NA for empty input and warns when lengths differ, recycling the shorter vector.',
       (((g - 1) / 8) % 10) * 0.13 + 0.01, 'standard', 'gpt-4o-mini', 1,
       CASE WHEN g % 11 = 0 THEN 'test' ELSE 'train' END, CASE WHEN g % 97 = 0 THEN 'too_short' END
FROM generate_series(1, $PAIRS) g;
ANALYZE qa_pair;
SQL
accepted=$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM qa_pair WHERE rejected_reason IS NULL")
printf 'seeded in %.1f s; %d accepted pairs\n\n' "$(echo "$(date +%s.%N) - $start" | bc)" "$accepted"

copy_rate() { # pairs/s of one psql COPY of the pairs to /dev/null
    local start
    start=$(date +%s.%N)
    "${PSQL[@]}" -d "$DB" -c "\\copy (SELECT q.chunk_id, q.split, q.question, q.answer, q.temperature, q.variant, c.page_from, c.page_to FROM qa_pair q JOIN chunk c ON c.id = q.chunk_id WHERE q.job_id = '00000000-0000-0000-0000-0000000000aa' AND q.rejected_reason IS NULL ORDER BY q.split, q.chunk_id, q.id) TO '/dev/null'"
    echo "$accepted / ($(date +%s.%N) - $start)" | bc
}

heap_peak() { # "largest heap before a GC / largest live heap after one" (MB) in the GC log lines written since line $1
    local before after
    before=$(tail -n +"$1" "$WORK/gc.log" | grep -oE '[0-9]+M->' | sed 's/M->//' | sort -n | tail -1)
    after=$(tail -n +"$1" "$WORK/gc.log" | grep -oE '[0-9]+M->[0-9]+M' | sed 's/.*->//; s/M//' | sort -n | tail -1)
    echo "${before:-0}/${after:-0}"
}

live_during() { # the largest live heap (MB, after a full GC) sampled while one more export of $1 runs: what it really holds
    local most=0 bytes
    curl -sf -o /dev/null "$1" &
    local export=$!
    while kill -0 "$export" 2>/dev/null; do
        bytes=$("$JAVA_HOME/bin/jcmd" "$SERVICE" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}')
        [ "${bytes:-0}" -gt "$most" ] && most=$bytes
    done
    wait "$export"
    echo $((most / 1048576))
}

printf 'the idle service holds %s MB live (after a full GC)\n\n' \
    "$(("$("$JAVA_HOME/bin/jcmd" "$SERVICE" GC.class_histogram | awk '/^Total/ {print $3}')" / 1048576))"
printf '%-22s %12s %12s %14s %10s %18s %10s %14s\n' "what" "pairs/s" "COPY pairs/s" "share of COPY" "file MB" "heap MB peak/live" "live (GC)" "first byte s"
for query in ${FORMATS:-"format=jsonl" "format=csv" "format=csv&flat=true" "format=parquet"}; do
    url="http://localhost:$PORT/api/jobs/00000000-0000-0000-0000-0000000000aa/export?$query&split=all"
    # warm-up: the JIT compiles the path on a full export
    curl -sf -o /dev/null "$url" || { echo "export failed: $url"; grep -m1 -A12 -E 'ERROR|Exception' "$WORK/service.log"; exit 1; }
    from=$(($(wc -l <"$WORK/gc.log") + 1))
    runs=()
    copies=()
    for _ in 1 2 3; do # the median of three: the machine is shared; a COPY beside each run, under the same load
        copies+=("$(copy_rate)")
        runs+=("$(curl -sf -o "$WORK/out" -w '%{time_total} %{time_starttransfer}' "$url")")
    done
    read -r seconds first < <(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
    baseline=$(printf '%s\n' "${copies[@]}" | sort -n | sed -n 2p)
    rate=$(echo "$accepted / $seconds" | bc)
    printf '%-22s %12d %12d %14.2f %10.1f %18s %10s %14.1f\n' "$query" "$rate" "$baseline" "$(echo "$rate / $baseline" | bc -l)" \
        "$(echo "$(stat -c %s "$WORK/out") / 1048576" | bc -l)" "$(heap_peak "$from")" "$(live_during "$url")" "$first"
done
echo
echo "targets: JSONL >= 200000 pairs/s; heap < 256 MB: the service runs with -Xmx256m (an export needing more would fail);"
echo "peak = largest heap before a GC (G1 fills what it is given), live = largest heap left after one (young GCs leave"
echo "the old generation's garbage); live (GC) = the largest heap left by full GCs forced (jcmd) during one more export."
echo "first byte = the database read and shuffle spill; the rest is the shuffled replay onto the response."
