"""Optional LLM judge over any OpenAI-compatible `/chat/completions` endpoint (plain HTTP, `requests`).

Written for today's models, reasoning ones included (OpenAI's o-series and gpt-5, DeepSeek-R1, Qwen3 thinking):
they refuse `max_tokens` and any temperature but the default, and think before they answer. So the judge asks with
`max_completion_tokens` and room to think, drops a parameter the endpoint refuses (once, then never sends it again),
and reads the verdict after the reasoning (in a `reasoning_content` field or `<think>` text), never inside it.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

log = logging.getLogger(__name__)

PROMPT = """You grade answers to questions about a document. Compare the predicted answer with the gold answer.
- CORRECT: the prediction contains the gold answer's key facts and nothing contradicting them (wording may differ).
- INCORRECT: the prediction states something that contradicts or misses the gold answer's key facts.
- NOT_ATTEMPTED: the prediction declines, is empty, or does not try to answer.

Question: {question}
Gold answer: {gold}
Predicted answer: {prediction}

Reply with exactly one word: CORRECT, INCORRECT or NOT_ATTEMPTED."""

_GRADE = re.compile(r"\b(NOT_ATTEMPTED|INCORRECT|CORRECT)\b")
_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_OPEN = re.compile(r"<(?:think|thinking|reasoning)>", re.IGNORECASE)


def final_text(content: str | None) -> str:
    """What a model said after its reasoning. Reasoning in a `reasoning_content` (or `reasoning`) field is never
    read; in the text, everything up to the last closing `</think>` is reasoning, and an unclosed `<think>` means
    the model never got to its verdict."""
    text = content or ""
    closes = list(_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end():]
    elif _OPEN.search(text):
        text = ""
    return text.strip()


def parse_grade(text: str) -> str | None:
    """The verdict: the last grade word of the final text (a short explanation may come before it)."""
    grades = _GRADE.findall((text or "").upper().replace("NOT ATTEMPTED", "NOT_ATTEMPTED"))
    return grades[-1] if grades else None


class Judge:
    """Grades answers with a model behind an OpenAI-compatible endpoint. The endpoint, model and key are the
    worker's own configuration (flags / environment), never a run's params: the key goes only where the operator
    pointed it.

    Calls run `concurrency` at a time (429 and 5xx are retried by the session, honouring `Retry-After`); verdicts
    are cached by (question, reference, answer), so an answer repeated across phases or scored again costs nothing;
    `stats` counts calls, cache hits and errors for the run's report."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 300.0,
                 attempts: int = 4, backoff: float = 2.0, concurrency: int = 8, max_completion_tokens: int = 4096):
        from .net import session

        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        api_key = api_key if api_key is not None else (os.environ.get("JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY"))
        self.timeout = timeout
        self.concurrency = concurrency
        self.http = session(api_key, attempts=attempts, backoff=backoff)
        # Sent until the endpoint refuses one by name (reasoning models take only the default temperature).
        self.optional = {"temperature": 0, "max_completion_tokens": max_completion_tokens}
        self.cache: dict[tuple[str, str, str], dict] = {}
        self.stats = {"calls": 0, "cacheHits": 0, "errors": 0, "refusedParameters": []}
        self._lock = threading.Lock()

    def grade(self, question: str, gold: str, prediction: str) -> dict:
        """{"grade": CORRECT | INCORRECT | NOT_ATTEMPTED, "raw": ...} or {"grade": None, "error": ...}."""
        key = (question, gold, prediction)
        with self._lock:
            if key in self.cache:
                self.stats["cacheHits"] += 1
                return self.cache[key]
        verdict = self._ask(PROMPT.format(question=question, gold=gold, prediction=prediction))
        with self._lock:
            self.stats["calls"] += 1
            if verdict.get("grade") is None:
                self.stats["errors"] += 1  # an error is counted and not cached: scoring again asks again
            else:
                self.cache[key] = verdict
        return verdict

    def grade_all(self, triples: list[tuple[str, str, str]], should_stop: Callable[[], None] | None = None) -> list[dict]:
        """Verdicts for (question, gold, prediction) triples, in order, `concurrency` calls at a time after the
        first (which learns what the endpoint refuses, so the others do not each hear it). `should_stop` may raise
        to abort; it is checked before each call."""
        def one(triple):
            if should_stop:
                should_stop()
            return self.grade(*triple)

        if not triples:
            return []
        first = one(triples[0])
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency), thread_name_prefix="judge") as pool:
            return [first, *pool.map(one, triples[1:])]

    def _ask(self, prompt: str) -> dict:
        import requests

        while True:
            sent = dict(self.optional)
            body = {"model": self.model, **sent, "messages": [{"role": "user", "content": prompt}]}
            try:
                resp = self.http.post(self.url, json=body, timeout=self.timeout)
                refused = self._refused(resp, sent)
                if refused:
                    continue
                resp.raise_for_status()
                choice = resp.json()["choices"][0]
                content = choice["message"].get("content")
            except requests.RequestException as exc:
                log.warning("judge failed: %s", exc)
                return {"grade": None, "error": str(exc)[:500]}
            except (KeyError, IndexError, TypeError, ValueError) as exc:
                return {"grade": None, "error": f"bad response: {exc}"}
            text = final_text(content)
            grade = parse_grade(text)
            if grade:
                return {"grade": grade, "raw": text[:200]}
            why = f"finish_reason {choice.get('finish_reason')}, " if choice.get("finish_reason") else ""
            return {"grade": None, "error": f"no verdict ({why}answer {text[:200]!r})"}

    def _refused(self, resp, sent: dict) -> str | None:
        """On a 400 that names a parameter we may leave out, stop sending it (for every later call too)."""
        if resp.status_code != 400:
            return None
        message = resp.text
        for name in sent:
            if name in message:
                with self._lock:
                    if self.optional.pop(name, None) is not None:
                        self.stats["refusedParameters"].append(name)
                        log.info("judge %s refuses %s; asking without it", self.model, name)
                return name
        return None
