"""Answer scoring: SQuAD-style normalisation, exact match, token F1 and "answer contained"."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalise(text: str) -> str:
    """Lower-case, fold accents' compatibility forms, drop punctuation and English articles, squeeze spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(ch).startswith("P") or unicodedata.category(ch).startswith("S") else ch
                   for ch in text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, reference: str) -> bool:
    return normalise(prediction) == normalise(reference)


def token_f1(prediction: str, reference: str) -> float:
    pred, ref = normalise(prediction).split(), normalise(reference).split()
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def contains(prediction: str, reference: str) -> bool:
    """The normalised reference appears in the normalised prediction as whole words."""
    ref = normalise(reference)
    if not ref:
        return False
    return f" {ref} " in f" {normalise(prediction)} "


def score(prediction: str, reference: str) -> dict:
    em = exact_match(prediction, reference)
    return {"exactMatch": em, "f1": round(token_f1(prediction, reference), 4), "contained": em or contains(prediction, reference)}
