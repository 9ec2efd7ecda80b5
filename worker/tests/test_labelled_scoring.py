"""The default "correct" (key facts) against answers labelled by a reader: `labelled-answers.jsonl`.

Each row is a question, its reference answer, an answer and the verdict a person gave after reading it. The
answers are SmolLM2-135M-Instruct's own (closed book and with the source text in the prompt, greedy, on the
tidal-mill fixture's questions and general-knowledge ones), plus written ones: right short answers, numbers in
words, paraphrases, wrong numbers, hedges and refusals. A verdict asks "would a careful reader accept this as
answering the question with the reference's fact?"; an answer that adds wrong details beside the asked fact
still counts, a hedge between two answers does not.
"""

import json
from pathlib import Path

import pytest

from qaforge_worker.scoring import key_facts, score

ROWS = [json.loads(line) for line in (Path(__file__).parent / "labelled-answers.jsonl").read_text("utf-8").splitlines()]


def agreement(decide) -> dict:
    """Accuracy against the labels, and precision / recall of the metric's "correct"."""
    said = [bool(decide(r)) for r in ROWS]
    truth = [r["verdict"] for r in ROWS]
    hits = sum(s and t for s, t in zip(said, truth))
    return {"accuracy": sum(s == t for s, t in zip(said, truth)) / len(ROWS),
            "precision": hits / max(1, sum(said)), "recall": hits / max(1, sum(truth))}


METRICS = {
    "keyFacts": lambda r: key_facts(r["answer"], r["reference"], r["question"]),
    "contained": lambda r: score(r["answer"], r["reference"])["contained"],
    "tokenF1>=0.5": lambda r: score(r["answer"], r["reference"])["f1"] >= 0.5,
}


def test_the_labelled_set_is_large_and_mixed():
    assert len(ROWS) >= 200
    assert 0.3 < sum(r["verdict"] for r in ROWS) / len(ROWS) < 0.7
    assert sum(r["source"].startswith("SmolLM2") for r in ROWS) >= 80


def test_key_facts_agree_with_the_reader_far_more_than_contained_or_token_f1(capsys):
    figures = {name: agreement(decide) for name, decide in METRICS.items()}
    with capsys.disabled():
        for name, f in figures.items():
            print(f"\n{name:>13}: accuracy {f['accuracy']:.3f}, precision {f['precision']:.3f}, recall {f['recall']:.3f}",
                  end="")
    assert figures["keyFacts"]["accuracy"] >= 0.9
    assert figures["keyFacts"]["precision"] >= 0.85 and figures["keyFacts"]["recall"] >= 0.85
    assert figures["keyFacts"]["accuracy"] > figures["contained"]["accuracy"] + 0.1
    assert figures["keyFacts"]["accuracy"] > figures["tokenF1>=0.5"]["accuracy"]


