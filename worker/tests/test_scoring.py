import pytest

from qaforge_worker.scoring import contains, exact_match, normalise, score, token_f1


def test_normalise_drops_case_punctuation_articles_and_spaces():
    assert normalise("  The Ball is, WHITE!  ") == "ball is white"
    assert normalise("An «apple» — a pear.") == "apple pear"
    assert normalise("ＡＢＣ") == "abc"  # full-width folded by NFKC


def test_exact_match_ignores_formatting_only():
    assert exact_match("The ball is white.", "ball is white")
    assert not exact_match("The ball is black.", "The ball is white.")


@pytest.mark.parametrize("pred,ref,expected", [
    ("six players per team", "six players per team", 1.0),
    ("six players", "six players per team", 2 * (1.0 * 0.5) / 1.5),  # precision 1, recall 1/2
    ("twelve umpires", "six players per team", 0.0),
    ("", "six players", 0.0),
    ("", "", 1.0),
])
def test_token_f1(pred, ref, expected):
    assert token_f1(pred, ref) == pytest.approx(expected)


def test_f1_counts_repeated_tokens_once_each():
    assert token_f1("team team team", "team") == pytest.approx(2 * (1 / 3) * 1 / (1 / 3 + 1))


def test_contains_needs_whole_words():
    assert contains("I think the ball is bright orange, yes.", "The ball is bright orange.")
    assert not contains("bright oranges", "bright orange")
    assert not contains("anything", "")


def test_score_marks_exact_match_as_contained():
    s = score("Anna Berg founded the club.", "anna berg founded the club")
    assert s == {"exactMatch": True, "f1": 1.0, "contained": True}
