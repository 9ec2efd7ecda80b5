

# --- lm-evaluation-harness glue: the scoring above is the qaforge worker's own (worker/src/qaforge_worker/scoring.py),
# so a score from `lm_eval` and one from qaforge mean the same thing. ---
import json as _json
from pathlib import Path as _Path

_QUESTIONS = _Path(__file__).resolve().parent / "questions.jsonl"


def _rows() -> list[dict]:
    with _QUESTIONS.open(encoding="utf-8") as lines:
        return [_json.loads(line) for line in lines if line.strip()]


def load(**_kwargs):
    """Closed book: every question of the exam."""
    import datasets

    return {"test": datasets.Dataset.from_list(_rows())}


def load_in_context(**_kwargs):
    """The ceiling: the questions that carry their source text, asked with it."""
    import datasets

    return {"test": datasets.Dataset.from_list([row for row in _rows() if row.get("context")])}


def process_results(doc: dict, results: list[str]) -> dict:
    scores = score(results[0], doc["answer"], doc["question"])
    return {"key_facts": float(scores["keyFacts"]), "exact_match": float(scores["exactMatch"]), "token_f1": scores["f1"],
            "contained": float(scores["contained"])}
