#!/usr/bin/env bash
# OCR benchmark: real PDFs rendered to 200- and 300-dpi page images (DPIS) and put back together as image-only PDFs ("scans"), then
# read by qaforge (upload with ocr=auto: render + Tesseract, clean, chunk, store) beside calling `tesseract` directly
# on the same page images with the same parallelism, in the same run. Prints pages/s for both and the word agreement
# (F1) of each OCR text with the original PDF's text layer (pdftotext).
# Usage: bench/ocr.sh [pdf ...]   (default: R-lang from Debian's r-doc-pdf, fetched here; PAGES=n keeps the first n pages)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-/tmp/qaforge-bench}
mkdir -p "$work"

need() { command -v "$1" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need pdftotext poppler-utils
need tesseract tesseract-ocr
need img2pdf img2pdf
if [ $# -eq 0 ]; then
    manual="$work/rdoc/usr/share/R/doc/manual"
    if [ ! -f "$manual/R-lang.pdf" ]; then
        (cd "$work" && apt-get download r-doc-pdf >/dev/null && dpkg-deb -x r-doc-pdf_*.deb rdoc)
    fi
    set -- "$manual/R-lang.pdf"
fi
threads=$(nproc)

bin/local-postgres
export PGPASSWORD=qaforge
db=qaforge_bench_$$ # its own database and port: other benches may run beside it
psql -q -h localhost -U qaforge -d postgres -c "CREATE DATABASE $db"
export JAVA_HOME=$(bin/java-home)
./mvnw -q -B -DskipTests package
port=${PORT:-18081}
"$JAVA_HOME/bin/java" -Xmx2g -jar target/qaforge.jar --server.port=$port \
    --spring.datasource.url=jdbc:postgresql://localhost:5432/$db \
    --qaforge.documents.ingestion.respond-within=0s >"$work/ocr-service.log" 2>&1 &
service=$!
trap 'kill $service 2>/dev/null; wait $service 2>/dev/null || true; psql -q -h localhost -U qaforge -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
until curl -sf "localhost:$port/actuator/health" >/dev/null; do sleep 1; done

now() { date +%s.%N; }
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }

printf '%-10s %4s %6s %14s %12s %8s %12s %12s\n' file dpi pages "tesseract/s" "qaforge/s" "t ratio" "agree(tess)" "agree(ours)"
for dpi in ${DPIS:-200 300}; do
for pdf in "$@"; do
    name=$(basename "$pdf" .pdf)
    dir="$work/ocr-$name-$dpi"
    rm -rf "$dir" && mkdir -p "$dir"
    last=${PAGES:+-l $PAGES}
    pdftotext -enc UTF-8 $last "$pdf" "$dir/layer.txt"
    pdftoppm -r "$dpi" -gray -png $last "$pdf" "$dir/page"
    pages=$(ls "$dir"/page-*.png | wc -l)
    # The scan: the page images, nothing else, as a desk scanner makes it.
    img2pdf --imgsize "${dpi}dpi" -o "$dir/scan.pdf" $(ls "$dir"/page-*.png | sort -V)

    # Direct Tesseract before and after qaforge, averaged, so a change in the machine's load hits both sides alike.
    direct() {
        local start=$(now)
        ls "$dir"/page-*.png | sort -V | OMP_THREAD_LIMIT=1 xargs -P "$threads" -I{} sh -c 'tesseract "$1" "${1%.png}" -l eng >/dev/null 2>&1' _ {}
        echo "$(now) - $start" | bc
    }
    before=$(direct)

    start=$(now)
    id=$(curl -sf -F "file=@$dir/scan.pdf" -F ocr=auto "localhost:$port/api/documents" | field id)
    while curl -sf "localhost:$port/api/documents/$id" | grep -q '"status":"PROCESSING"'; do sleep 0.1; done
    ours=$(echo "$(now) - $start" | bc)

    after=$(direct)
    tess=$(echo "($before + $after) / 2" | bc -l)
    for f in $(ls "$dir"/page-*.txt | sort -V); do cat "$f"; echo; done >"$dir/tesseract.txt"
    curl -sf "localhost:$port/api/documents/$id" >"$dir/document.json"
    [ "$(field status <"$dir/document.json")" = READY ] || { echo "extraction failed: $(cat "$dir/document.json")"; exit 1; }
    curl -sf "localhost:$port/api/documents/$id/text" >"$dir/qaforge.txt"

    printf '%-10s %4d %6d %14.2f %12.2f %8.2f %12s %12s\n' "$name" "$dpi" "$pages" \
        "$(echo "$pages / $tess" | bc -l)" "$(echo "$pages / $ours" | bc -l)" "$(echo "$ours / $tess" | bc -l)" \
        "$(python3 bench/word_agreement.py "$dir/tesseract.txt" "$dir/layer.txt")" \
        "$(python3 bench/word_agreement.py "$dir/qaforge.txt" "$dir/layer.txt")"
done
done
echo "threads: $threads Tesseract processes at once for both; t ratio = qaforge time / tesseract time;"
echo "agreement = word F1 with the PDF's own text layer (pdftotext); targets: ours within 0.02 of tesseract's, t ratio <= 1.05"
