#!/usr/bin/env bash
# Reliability check: kill -9 the service in the middle of two jobs (a recipe job, and a fact job with its facts, pair,
# judge and top-up calls), start it again, and check that both finish with every task done once, each task's pairs,
# facts and verdicts stored exactly once, and no request for a task after it was done.
# Uses target/qaforge.jar (built if missing), a fresh database on the local PostgreSQL and bench/fake_openai.py (600
# requests/min, announced in its headers). The lease is the default (1m): the calls in flight at a kill are rescued
# once it runs out, however long calls take (leases of calls in flight are renewed while they run).
set -euo pipefail
cd "$(dirname "$0")/.."
bin/local-postgres
export JAVA_HOME=$(bin/java-home)
[ -f target/qaforge.jar ] || ./mvnw -q -B -DskipTests package
export PGPASSWORD=qaforge
work=$(mktemp -d)
db=qaforge_kill9_$$
port=18$((RANDOM % 900 + 100))
api=http://localhost:$port/api
psql -h localhost -U qaforge -d postgres -qc "CREATE DATABASE $db"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    psql -h localhost -U qaforge -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
    rm -rf "$work"
}
trap cleanup EXIT

python3 bench/fake_openai.py "$work/calls.log" 0.2 600 > "$work/fake.port" 2> "$work/fake.err" &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/fake.port" ] && break; sleep 0.1; done
fake=http://127.0.0.1:$(cat "$work/fake.port")

start_service() {
    "$JAVA_HOME/bin/java" -jar target/qaforge.jar --server.port=$port \
        --spring.datasource.url=jdbc:postgresql://localhost:5432/$db \
        --qaforge.documents.chunk-target-tokens=100 --qaforge.documents.chunk-max-tokens=150 \
        --qaforge.generation.poll-interval=100ms --qaforge.generation.providers.fake.base-url=$fake \
        >> "$work/service.log" 2>&1 &
    service=$!
    pids+=($service)
    for _ in $(seq 120); do curl -sf "http://localhost:$port/actuator/health" >/dev/null && return; sleep 0.5; done
    echo "service did not start" >&2; tail -50 "$work/service.log" >&2; exit 1
}

python3 - > "$work/doc.txt" <<'PY'
for i in range(1, 41):
    print(f"Fact {i}. In kill-nine rugby, rule {i} says that a team of six players must restart play within {i % 7 + 3} "
          f"seconds after a touch, standing {i % 5 + 5} metres back from the mark. A referee who sees rule {i} broken "
          f"awards a penalty to the other team, and repeated breaches of it lead to a sin bin of {i % 3 + 2} minutes.\n")
PY
start_service
doc=$(curl -sf -F file=@"$work/doc.txt" "$api/documents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
job=$(curl -sf -H 'Content-Type: application/json' "$api/jobs" -d "{\"documentIds\":[\"$doc\"],\"context\":\"Kill-nine rugby rules\",
  \"provider\":\"fake\",\"model\":\"m\",\"temperatures\":{\"count\":5},\"questionsPerChunk\":4,\"strategy\":\"recipe\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
facts_job=$(curl -sf -H 'Content-Type: application/json' "$api/jobs" -d "{\"documentIds\":[\"$doc\"],\"context\":\"Kill-nine rugby rules\",
  \"provider\":\"fake\",\"model\":\"m\",\"temperatures\":{\"count\":5},\"questionsPerChunk\":4,\"chunkLimit\":20}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
status() { curl -sf "$api/jobs/${1:-$job}" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["tasks"]["done"], j["tasks"]["total"])'; }
while read -r _ done total < <(status); [ "$done" -lt 60 ]; do sleep 0.2; done
echo "kill -9 with $done of $total tasks of the recipe job done"
kill -9 "$service"
wait "$service" 2>/dev/null || true
start_service
# The fact job's pair and judge calls come after the recipe job's (by task id): kill again in the middle of them.
while read -r _ done total < <(status "$facts_job"); [ "$done" -lt 50 ]; do sleep 0.2; done
echo "kill -9 with $done of $total tasks of the fact job done"
kill -9 "$service"
killed=$(date +%s.%N)
wait "$service" 2>/dev/null || true
start_service
until read -r state done total < <(status); [[ "$state" != QUEUED && "$state" != RUNNING ]]; do sleep 0.5; done
echo "after restart: $state, $done of $total tasks done $(python3 -c "import time; print(f'{time.time() - $killed:.1f}')")s after the kill"
until read -r facts_state facts_done facts_total < <(status "$facts_job"); [[ "$facts_state" != QUEUED && "$facts_state" != RUNNING ]]; do sleep 0.5; done
echo "fact job after restart: $facts_state, $facts_done of $facts_total tasks done"

q() { psql -h localhost -U qaforge -d "$db" -tAc "$1"; }
not_done=$(q "SELECT count(*) FROM task WHERE status <> 'DONE'")
# A recipe call's pairs are the 4 asked for; a fact job's pair call gets one pair per fact and direction it asked for.
wrong_pairs=$(q "SELECT count(*) FROM task t WHERE t.kind = 'pairs'
                   AND (SELECT count(*) FROM qa_pair p WHERE p.task_id = t.id) <> (CASE WHEN t.job_id = '$job' THEN 4 ELSE t.questions END)")
doubled=$(q "SELECT count(*) - count(DISTINCT (task_id, ordinal)) FROM qa_pair")
facts=$(q "SELECT count(*) FROM fact WHERE job_id = '$facts_job'")
unjudged=$(q "SELECT count(*) FROM qa_pair WHERE judge_verdict = 'pending'
              OR (job_id = '$facts_job' AND rejected_reason IS NULL AND judge_verdict IS NULL)")
judges=$(q "SELECT count(*) FROM task g WHERE g.job_id = '$facts_job' AND g.kind = 'pairs'
              AND (SELECT count(*) FROM task j WHERE j.graded_task_id = g.id) <> 1")
# When each call's task was done: a judge task by the call it grades.
q "SELECT CASE WHEN t.job_id = '$job' THEN 'recipe' ELSE t.kind END, c.ordinal + 1, coalesce(g.temperature, t.temperature)::float8, extract(epoch FROM t.finished_at)
   FROM task t JOIN chunk c ON c.id = t.chunk_id LEFT JOIN task g ON g.id = t.graded_task_id
   WHERE t.job_id = '$facts_job' OR t.job_id = '$job'" | tr '|' ' ' > "$work/finished"
requested_after_done=$(python3 - "$work/finished" "$work/calls.log" <<'PY'
import sys
done = {}
for line in open(sys.argv[1]):
    kind, fact, temp, at = line.split()
    key = (kind, int(fact), round(float(temp), 3) if kind != "facts" else 0)
    done[key] = max(done.get(key, 0), float(at))
late = 0
for line in open(sys.argv[2]):
    at, kind, fact, temp = line.split()
    key = (kind, int(fact), round(float(temp), 3) if kind != "facts" else 0)
    late += float(at) > done[key]
print(late)
PY
)
calls=$(wc -l < "$work/calls.log")
echo "calls=$calls tasks_not_done=$not_done tasks_with_wrong_pair_count=$wrong_pairs duplicated_pairs=$doubled facts=$facts" \
     "pairs_without_verdict=$unjudged pair_calls_without_one_judge=$judges requests_after_done=$requested_after_done"
[ "$state" = SUCCEEDED ] && [ "$facts_state" = SUCCEEDED ] && [ "$not_done" = 0 ] && [ "$wrong_pairs" = 0 ] && [ "$doubled" = 0 ] \
    && [ "$facts" = 40 ] && [ "$unjudged" = 0 ] && [ "$judges" = 0 ] && [ "$requested_after_done" = 0 ]
echo "kill -9 check passed"
