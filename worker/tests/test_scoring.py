import pytest

from qaforge_worker.scoring import contains, exact_match, key_facts, normalise, numbers, score, token_f1


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
    assert s == {"exactMatch": True, "f1": 1.0, "contained": True, "keyFacts": True}


@pytest.mark.parametrize("text,values", [
    ("4,096 bytes", {4096}), ("4096", {4096}), ("twenty", {20}), ("twenty-one players", {21}),
    ("three hundred and five", {305}), ("1.5 million", {1_500_000}), ("the 3rd and the eleventh", {3, 11}),
    ("built in 1782 by eleven men", {1782, 11}), ("no numbers here", set()),
])
def test_numbers_are_read_in_digits_and_words(text, values):
    assert numbers(text) == values


@pytest.mark.parametrize("answer,reference,question,right", [
    ("4,096 bytes", "The default page size is 4096 bytes.", "What is the default page size?", True),
    ("Twenty.", "Each half lasts 20 minutes.", "How long is a half?", True),
    ("Eleven acres.", "The mill pond covers eleven acres.", "How large, in acres, is the mill pond?", True),
    ("It covers 12 acres.", "The mill pond covers eleven acres.", "How large, in acres, is the mill pond?", False),
    ("Da Vinci painted it.", "Leonardo da Vinci painted the Mona Lisa.", "Who painted the Mona Lisa?", True),
    ("Alexander Fleming.", "Alexander Fleming discovered penicillin in 1928.", "Who discovered penicillin?", True),
    ("It was built by John Smith.", "Josiah Penhallow built it.", "Who built the mill?", False),
    ("The mill was built.", "It was built in 1782.", "When was the mill built?", False),
    ("I don't know.", "Anna Berg founded the club.", "Who founded the club?", False),
])
def test_key_facts_reward_the_reference_key_content(answer, reference, question, right):
    assert key_facts(answer, reference, question) is right
    assert not contains(answer, reference)  # what "contained" missed or rightly refused
