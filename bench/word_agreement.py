#!/usr/bin/env python3
"""Word-level agreement (bag-of-words F1) between two extractions of the same document.

Both sides are NFKC-normalised, lower-cased and split into words of letters/digits; words hyphenated across a
line break are joined on both sides, so the score measures recovered words, not layout."""
import collections
import re
import sys
import unicodedata

WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(path):
    text = unicodedata.normalize("NFKC", open(path, encoding="utf-8", errors="replace").read())
    text = re.sub(r"(\w)-\s*\n\s*(\w)", r"\1\2", text)
    return collections.Counter(WORD.findall(text.lower()))


def f1(ours, reference):
    common = sum((ours & reference).values())
    precision = common / max(1, sum(ours.values()))
    recall = common / max(1, sum(reference.values()))
    return 0.0 if common == 0 else 2 * precision * recall / (precision + recall)


if __name__ == "__main__":
    print(f"{f1(words(sys.argv[1]), words(sys.argv[2])):.4f}")
