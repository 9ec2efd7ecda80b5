"""Answer scoring: SQuAD-style normalisation, exact match, token F1, "answer contained" and "key facts", the
answer-aware default of "correct"."""

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


_UNITS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve thirteen "
                                      "fourteen fifteen sixteen seventeen eighteen nineteen".split())} | {"single": 1}
_TENS = {w: 10 * n for n, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_ORDINALS = {w: n for n, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
                                        "twelfth".split(), 1)}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_NUMBER = r"\d{1,3}(?:[, \u202f]\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?"  # "4,096", "300 000", "1.5", "1782"
_DIGITS = re.compile(rf"^({_NUMBER})(?:st|nd|rd|th)?$")
_STOPWORDS = frozenset("""a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now
of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we were what when where which
while who whom whose why will with would you your yours yourself yourselves yes yeah called named known one""".split())


def _tokens(text: str) -> list[str]:
    """Lower-case words and numbers: NFKC, punctuation other than a number's `,` and `.` and a word's `-` dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.findall(rf"(?:{_NUMBER})(?:st|nd|rd|th)?|[^\W\d_]+", text.replace("-", " "))


def numbers(text: str) -> set[float]:
    """Every number the text states, in digits ("4,096", "1.5 million", "3rd") or words ("twenty-one", "three
    hundred and five", "eleventh")."""
    found: set[float] = set()
    value, current, open_, century = 0.0, 0.0, False, None
    for token in _tokens(text) + ["."]:
        digits = _DIGITS.match(token)
        if digits:
            if open_:
                found.add(value + current)
            value, current, open_ = 0.0, float(re.sub(r"[, \u202f]", "", digits.group(1))), True
        elif token in _UNITS or token in _TENS or token in _ORDINALS:
            if open_ and current % 100 and not (token in _UNITS and current % 10 == 0 and current >= 20):
                found.add(value + current)  # "five six": two numbers; "twenty one": one
                century = value + current if 10 <= value + current < 100 and token not in _UNITS else None
                value, current = 0.0, 0.0
            current += _UNITS.get(token, _TENS.get(token, _ORDINALS.get(token, 0)))
            open_ = True
        elif token in _SCALES:  # "a hundred": the scale alone
            current = (current or 1) * _SCALES[token]
            open_ = True
            if _SCALES[token] > 100:
                value, current = value + current, 0.0
        elif token == "and" and open_:
            continue
        elif open_:
            found.add(value + current)
            if century and 10 <= value + current < 100:  # "nineteen fifty-seven": also the year 1957
                found.add(century * 100 + value + current)
            value, current, open_, century = 0.0, 0.0, False, None
    return found


def _stem(word: str) -> str:
    """A light English suffix stripper: enough for "covers"/"covered"/"covering" or "acres"/"acre" to meet."""
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("ly", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not (suffix == "s" and word[-2] in "su"):
            return word[: len(word) - len(suffix)] + keep
    return word


def _words(text: str) -> set[str]:
    return {_stem(t) for t in _tokens(text)
            if t not in _STOPWORDS and not t[0].isdigit() and t not in _UNITS and t not in _TENS and t not in _SCALES}


def _names(text: str) -> set[str]:
    """Capitalised words (names, places, terms: "Penhallow", "La Ferté", "KiB"), as `_words` writes them."""
    text = unicodedata.normalize("NFKC", text).replace("-", " ")
    return {_stem(w.lower()) for w in re.findall(r"[^\W\d_]+", text) if w[0].isupper()} & _words(text)


# The share of the reference's names (or, without names, of its key words) an answer must hold.
KEY_SHARE = 0.5


def key_facts(prediction: str, reference: str, question: str = "") -> bool:
    """The answer states the reference's key content, what a reader checks first. Of the reference, leaving out
    stop words and whatever the question already says, that is its numbers (in digits or words: "4,096" = "4096",
    "twenty-one" = 21, "nineteen fifty-seven" = 1957), its names (capitalised words: people, places, terms) and
    otherwise its content words, stemmed. The answer is right when
      - it states no other number in place of the reference's (a number of the answer that neither the reference
        nor the question has, while a number of the reference is missing: "12 acres" for "eleven acres"), and
      - it states one of the reference's numbers, or at least KEY_SHARE of its names ("Carrow" for "Edith
        Carrow"), or, when the reference has no name, at least KEY_SHARE of its content words.
    The whole reference contained in the answer is right too; a reference with no key content needs that."""
    if exact_match(prediction, reference) or contains(prediction, reference):
        return True
    asked = numbers(question)
    ref_numbers, said = numbers(reference) - asked, numbers(prediction)
    if ref_numbers - said and said - numbers(reference) - asked:
        return False
    if ref_numbers & said:
        return True
    asked_words = _words(question)
    key = (_names(reference) - asked_words) or (_words(reference) - asked_words)
    return bool(key) and len(key & _words(prediction)) >= KEY_SHARE * len(key)


def score(prediction: str, reference: str, question: str = "") -> dict:
    em = exact_match(prediction, reference)
    return {"exactMatch": em, "f1": round(token_f1(prediction, reference), 4), "contained": em or contains(prediction, reference),
            "keyFacts": key_facts(prediction, reference, question)}
