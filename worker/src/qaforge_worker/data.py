"""Loading chat datasets (local dir, service export URL, Hub repo) and pulling Q/A pairs out of them."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .mixing import is_text, text_row

log = logging.getLogger(__name__)

ROLES = {"system", "user", "assistant"}


@dataclass
class QAPair:
    """One exam question: asked alone (with `system`), closed book or with `context` in the prompt."""

    question: str
    answer: str
    system: str | None = None
    id: str | None = None
    fact_id: int | None = None
    direction: str | None = None  # "forward" | "reverse"
    context: str | None = None
    passages: list[str] | None = None  # a retrieved context's passages, best first (`context` joins them)


@dataclass
class ChatDataset:
    train: list[dict]
    test: list[dict]
    source: str


def normalise_row(row: dict, where: str) -> dict:
    """Validate one row; accept `{"messages": [...]}`, a bare `{"question", "answer"}` pair or a study passage's
    text row `{"text", "strategy", "chunkId"}` (mixing.py)."""
    if isinstance(row, dict) and "messages" not in row and "text" in row:
        return text_row(row, where)
    if "messages" not in row and "question" in row and "answer" in row:
        row = {"messages": [{"role": "user", "content": str(row["question"])},
                            {"role": "assistant", "content": str(row["answer"])}]}
    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError(f"{where}: expected a JSON object with a non-empty 'messages' list")
    clean = []
    for m in messages:
        if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
            raise ValueError(f"{where}: each message needs role in {sorted(ROLES)} and string content")
        clean.append({"role": m["role"], "content": m["content"]})
    if not any(m["role"] == "assistant" for m in clean):
        raise ValueError(f"{where}: row has no assistant message")
    return {"messages": clean}


def read_jsonl_lines(lines: Iterable[str], name: str) -> list[dict]:
    rows = []
    for n, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name}:{n}: invalid JSON ({exc.msg})") from exc
        rows.append(normalise_row(obj, f"{name}:{n}"))
    return rows


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return read_jsonl_lines(fh, str(path))


def _split_url(url: str, split: str) -> str:
    """The service exports one split per URL (`...?format=jsonl&split=train`); derive the other split's URL."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "split"]
    query.append(("split", split))
    return urlunsplit(parts._replace(query=urlencode(query)))


def download(url: str, dest: Path, token: str | None = None, timeout: float = 60.0, http=None) -> Path:
    """Stream a URL to a file (constant memory), retried like every other call (`net.session`).
    Raises requests.HTTPError on a bad status."""
    from .net import session

    http = http or session(token)
    headers = {"Accept": "application/jsonl, application/x-ndjson, application/json, text/plain"}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with http.get(url, headers=headers, stream=True, timeout=timeout) as resp:
        resp.raise_for_status()
        tmp = dest.with_suffix(dest.suffix + ".part")
        with open(tmp, "wb") as fh:
            for chunk in resp.iter_content(chunk_size=1 << 16):
                fh.write(chunk)
        tmp.replace(dest)
    return dest


def load_dataset_source(source: str, workdir: Path, token: str | None = None) -> ChatDataset:
    """`source` is a directory holding train.jsonl (+ test.jsonl), an http(s) URL, or a Hub dataset repo id."""
    path = Path(source)
    if path.is_dir():
        train_file = path / "train.jsonl"
        if not train_file.exists():
            raise FileNotFoundError(f"{path} has no train.jsonl")
        test_file = path / "test.jsonl"
        return ChatDataset(read_jsonl(train_file), read_jsonl(test_file) if test_file.exists() else [], source)
    if path.is_file():
        return ChatDataset(read_jsonl(path), [], source)
    if source.startswith(("http://", "https://")):
        import requests

        train = read_jsonl(download(_split_url(source, "train"), workdir / "train.jsonl", token))
        try:
            test = read_jsonl(download(_split_url(source, "test"), workdir / "test.jsonl", token))
        except requests.HTTPError as exc:
            if exc.response is not None and exc.response.status_code == 404:
                test = []
            else:
                raise
        return ChatDataset(train, test, source)
    return load_hub_dataset(source)


def load_hub_dataset(repo_id: str) -> ChatDataset:
    import datasets

    ds = datasets.load_dataset(repo_id)
    if "train" not in ds:
        raise ValueError(f"Hub dataset {repo_id} has no 'train' split")
    train = [normalise_row(r, f"{repo_id}[train]") for r in ds["train"]]
    test = [normalise_row(r, f"{repo_id}[test]") for r in ds["test"]] if "test" in ds else []
    return ChatDataset(train, test, repo_id)


def load_from_urls(urls: dict[str, str], workdir: Path, http) -> ChatDataset:
    """Service mode: `datasetUrls = {"train": url, "test": url}` (test optional), fetched with the service session."""
    if not urls or "train" not in urls:
        raise ValueError("claim has no datasetUrls.train")
    train = read_jsonl(download(urls["train"], workdir / "train.jsonl", http=http))
    test = read_jsonl(download(urls["test"], workdir / "test.jsonl", http=http)) if urls.get("test") else []
    return ChatDataset(train, test, urls["train"])


def iter_pairs(rows: Iterable[dict]) -> Iterator[QAPair]:
    """Every user turn directly followed by an assistant turn, with the row's leading system message if any."""
    for row in rows:
        if is_text(row):
            continue
        messages = row["messages"]
        system = messages[0]["content"] if messages and messages[0]["role"] == "system" else None
        for a, b in zip(messages, messages[1:]):
            if a["role"] == "user" and b["role"] == "assistant":
                yield QAPair(a["content"], b["content"], system)


def exam_question(obj, where: str) -> QAPair:
    """One exam question as the service sends it (and as a question file holds it, one per line): a retrieved
    context comes with its `passages` too, best first."""
    if not isinstance(obj, dict) or not isinstance(obj.get("question"), str) or not isinstance(obj.get("answer"), str):
        raise ValueError(f"{where}: expected {{\"question\", \"answer\"}} strings")
    direction = obj.get("direction")
    if direction not in (None, "forward", "reverse"):
        raise ValueError(f"{where}: direction must be forward, reverse or null, not {direction!r}")
    passages = obj.get("passages")
    if passages is not None and (not isinstance(passages, list) or not all(isinstance(p, str) for p in passages)):
        raise ValueError(f"{where}: passages must be a list of strings")
    fact_id = obj.get("factId")
    return QAPair(obj["question"], obj["answer"], id=None if obj.get("id") is None else str(obj["id"]),
                  fact_id=fact_id, direction=direction, context=obj.get("context") or None, passages=passages or None)


def read_exam(exam: dict) -> list[QAPair]:
    """`GET /api/worker/trainings/{id}/exam`: {"examId", "name", "questions": [...]}."""
    questions = exam.get("questions") if isinstance(exam, dict) else None
    if not isinstance(questions, list):
        raise ValueError("exam has no questions list")
    return [exam_question(q, f"exam question {n}") for n, q in enumerate(questions, 1)]


def read_question_file(path: str | os.PathLike) -> list[QAPair]:
    pairs = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
            pairs.append(exam_question(obj, f"{path}:{n}"))
    return pairs


def system_prompt(rows: list[dict]) -> str | None:
    """The system message every training row starts with, if they share one: exam questions are asked with it,
    so closed-book answers are prompted the way the adapter was trained."""
    firsts = {r["messages"][0]["content"] if r["messages"][0]["role"] == "system" else None
              for r in rows if not is_text(r)}
    return firsts.pop() if len(firsts) == 1 else None
