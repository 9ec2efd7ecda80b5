#!/usr/bin/env bash
# PDF ingestion benchmark: qaforge (upload over HTTP: hash, extract, clean, chunk, store) beside poppler's pdftotext
# on the same real PDFs in the same run. Prints pages/s for both, the time ratio, and word-level agreement.
# Usage: bench/ingest.sh [pdf ...]   (default: the gnuplot manual from Debian's gnuplot-doc, and R's refman from
# r-doc-pdf, whole and its first 100 and 1,000 pages, so that pages/s shows whether cost grows linearly; fetched here)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-/tmp/qaforge-bench}
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need pdftotext poppler-utils
need qpdf qpdf
if [ $# -eq 0 ]; then
    manual="$work/rdoc/usr/share/R/doc/manual"
    if [ ! -f "$manual/refman.pdf" ]; then
        (cd "$work" && apt-get download r-doc-pdf >/dev/null && dpkg-deb -x r-doc-pdf_*.deb rdoc)
    fi
    gnuplot="$work/gp/usr/share/doc/gnuplot/gnuplot.pdf"
    if [ ! -f "$gnuplot" ]; then
        (cd "$work" && apt-get download gnuplot-doc >/dev/null && dpkg-deb -x gnuplot-doc_*.deb gp)
    fi
    for n in 100 1000; do
        [ -f "$work/refman-$n.pdf" ] || qpdf --empty --pages "$manual/refman.pdf" "1-$n" -- "$work/refman-$n.pdf"
    done
    set -- "$gnuplot" "$work/refman-100.pdf" "$work/refman-1000.pdf" "$manual/refman.pdf"
fi

bin/local-postgres
export PGPASSWORD=qaforge
db=qaforge_bench_$$ # its own database and port: other benches may run beside it
psql -q -h localhost -U qaforge -d postgres -c "CREATE DATABASE $db"
export JAVA_HOME=$(bin/java-home)
./mvnw -q -B -DskipTests package
port=${PORT:-18080}
# The production heap; uploads answered when extracted (not 202), so the upload's time is the extraction's.
# shellcheck disable=SC2086 # JAVA_OPTS: extra JVM flags, e.g. a profiler
"$JAVA_HOME/bin/java" -Xmx2g ${JAVA_OPTS:-} -jar target/qaforge.jar --server.port=$port \
    --spring.datasource.url=jdbc:postgresql://localhost:5432/$db \
    --qaforge.documents.ingestion.respond-within=10m >"$work/service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true; psql -q -h localhost -U qaforge -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
until curl -sf "localhost:$port/actuator/health" >/dev/null; do sleep 1; done

now() { date +%s.%N; }
# A service runs warm: one pass over every file first (uploaded, then deleted) lets the JIT compile the extraction
# path, as it will have done after the first few uploads in production. It is timed: the first file's upload is a
# freshly started service's first (cold), the later ones' are warmer.
declare -A first
for pdf in "$@"; do
    start=$(now)
    id=$(curl -sf -F "file=@$pdf" "localhost:$port/api/documents" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    first[$pdf]=$(echo "$(now) - $start" | bc)
    curl -sf -X DELETE "localhost:$port/api/documents/$id"
done

printf '%-14s %6s %10s %12s %12s %8s %8s %9s %7s %4s\n' file pages chunks "pdftotext/s" "qaforge/s" "t ratio" "1st ratio" agreement tokens ocr
median() { sort -g | sed -n 2p; }   # of three
for pdf in "$@"; do
    name=$(basename "$pdf" .pdf)
    poppler=$(for _ in 1 2 3; do
        start=$(now); pdftotext -enc UTF-8 "$pdf" "$work/$name.poppler.txt"; echo "$(now) - $start" | bc
    done | median)
    ours=$(for round in 1 2 3; do
        start=$(now)
        curl -sf -F "file=@$pdf" "localhost:$port/api/documents" >"$work/$name.json"
        echo "$(now) - $start" | bc
        [ $round = 3 ] || curl -sf -X DELETE "localhost:$port/api/documents/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/$name.json")"
    done | median)
    read -r id pages chunks tokens ocr < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["id"], d["pages"], d["chunkCount"], d["tokens"], d["ocrPages"])' "$work/$name.json")
    curl -sf "localhost:$port/api/documents/$id/text" >"$work/$name.qaforge.txt"
    agreement=$(python3 bench/word_agreement.py "$work/$name.qaforge.txt" "$work/$name.poppler.txt")
    printf '%-14s %6d %10s %12.1f %12.1f %8.2f %8.2f %9s %7s %4s\n' "$name" "$pages" "$chunks" \
        "$(echo "$pages / $poppler" | bc -l)" "$(echo "$pages / $ours" | bc -l)" "$(echo "$ours / $poppler" | bc -l)" \
        "$(echo "${first[$pdf]} / $poppler" | bc -l)" "$agreement" "$tokens" "$ocr"
done
echo "median of 3 runs each; ocr = pages read by OCR (ocr=auto); t ratio = qaforge time / pdftotext time (target <= 1.0);"
echo "1st ratio = the same for the warm-up pass's upload (the first file's is a freshly started service's first upload);"
echo "agreement = word F1 vs pdftotext (target >= 0.99)"
