"""Optional LLM judge over any OpenAI-compatible `/chat/completions` endpoint (plain HTTP, `requests`)."""

from __future__ import annotations

import logging
import os
import re

log = logging.getLogger(__name__)

PROMPT = """You grade answers to questions about a document. Compare the predicted answer with the gold answer.
- CORRECT: the prediction contains the gold answer's key facts and nothing contradicting them (wording may differ).
- INCORRECT: the prediction states something that contradicts or misses the gold answer's key facts.
- NOT_ATTEMPTED: the prediction declines, is empty, or does not try to answer.

Question: {question}
Gold answer: {gold}
Predicted answer: {prediction}

Reply with exactly one word: CORRECT, INCORRECT or NOT_ATTEMPTED."""


def parse_grade(text: str) -> str | None:
    upper = (text or "").upper().replace("NOT ATTEMPTED", "NOT_ATTEMPTED")
    # Look for the first whole-word grade; NOT_ATTEMPTED and INCORRECT contain no other grade as a whole word.
    match = re.search(r"\b(NOT_ATTEMPTED|INCORRECT|CORRECT)\b", upper)
    return match.group(1) if match else None


class Judge:
    """Grades answers with a model behind an OpenAI-compatible endpoint. The endpoint, model and key are the
    worker's own configuration (flags / environment), never a run's params: the key goes only where the operator
    pointed it."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 60.0,
                 attempts: int = 4, backoff: float = 2.0):
        from .net import session

        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        api_key = api_key if api_key is not None else (os.environ.get("JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY"))
        self.timeout = timeout
        self.http = session(api_key, attempts=attempts, backoff=backoff)

    def grade(self, question: str, gold: str, prediction: str) -> dict:
        import requests

        body = {"model": self.model, "temperature": 0, "max_tokens": 8,
                "messages": [{"role": "user", "content": PROMPT.format(question=question, gold=gold, prediction=prediction)}]}
        try:
            resp = self.http.post(self.url, json=body, timeout=self.timeout)
            resp.raise_for_status()
            text = resp.json()["choices"][0]["message"]["content"]
        except requests.RequestException as exc:
            log.warning("judge failed: %s", exc)
            return {"grade": None, "error": str(exc)[:500]}
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            return {"grade": None, "error": f"bad response: {exc}"}
        grade = parse_grade(text)
        return {"grade": grade, "raw": text[:200]} if grade else {"grade": None, "error": f"unparseable: {text[:200]!r}"}
