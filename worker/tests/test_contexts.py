"""The in-context phase fits each question's context to the model's window: of retrieved passages (best first) the
most that leave room for the answer, and no in-context score on a context the model cannot read at all."""

import dataclasses

import pytest

from conftest import PAIRS
from qaforge_worker.data import QAPair, exam_question
from qaforge_worker.evaluate import fit_context, prompt_ids
from qaforge_worker.options import LocalOptions, with_params
from qaforge_worker.train import run_training

# About 360 tokens of the tiny tokenizer each: two fit the tiny model's 1,024 positions with a 128-token answer, three
# do not.
PASSAGES = [f"Passage {n}. " + "The Harbour Hawks club notes say the ball is bright orange. " * 20 for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def retrieved(question=PAIRS[0][0], answer=PAIRS[0][1], passages=PASSAGES, id="q1"):
    return exam_question({"id": id, "question": question, "answer": answer, "context": "\n\n".join(passages),
                          "contextSource": "retrieved", "passages": passages}, "test")


def length(tokenizer, pair):
    return len(prompt_ids(tokenizer, pair, in_context=True))


def test_the_best_passages_that_fit_are_kept_in_rank_order(tokenizer):
    question = retrieved()
    two = length(tokenizer, dataclasses.replace(question, context="\n\n".join(PASSAGES[:2])))

    fitted = fit_context(tokenizer, question, two)
    assert fitted.passages == PASSAGES[:2]
    assert fitted.context == "\n\n".join(PASSAGES[:2])
    assert length(tokenizer, fitted) == two
    assert fit_context(tokenizer, question, two - 1).passages == PASSAGES[:1], "one token short: the second goes"
    assert fit_context(tokenizer, question, length(tokenizer, question)) == question, "all fit: nothing is cut"
    assert fit_context(tokenizer, question, None) == question, "a model that states no window reads it all"


def test_a_context_the_model_cannot_read_is_dropped_not_scored(tokenizer):
    question = retrieved()
    one = length(tokenizer, dataclasses.replace(question, context=PASSAGES[0]))
    assert fit_context(tokenizer, question, one - 1).context is None

    whole = QAPair(*PAIRS[0], context=PASSAGES[0])  # a context given whole has nothing to cut on
    assert fit_context(tokenizer, whole, length(tokenizer, whole)) == whole
    assert fit_context(tokenizer, whole, length(tokenizer, whole) - 1).context is None
    assert fit_context(tokenizer, QAPair(*PAIRS[0]), 10) == QAPair(*PAIRS[0]), "no context: nothing to fit"


def test_a_passage_list_that_is_not_strings_is_refused():
    with pytest.raises(ValueError, match="passages must be a list of strings"):
        exam_question({"question": "q", "answer": "a", "passages": "one passage"}, "exam question 1")


def test_an_evaluation_reports_each_cut_context_and_how_many_passages_it_kept(tiny_model, tmp_path):
    from transformers import AutoConfig

    assert AutoConfig.from_pretrained(tiny_model).max_position_embeddings == 1024
    exam = [retrieved(), retrieved(*PAIRS[1], passages=PASSAGES[:1], id="q2"),
            QAPair(*PAIRS[2], id="q3", context=" ".join(PASSAGES)), QAPair(*PAIRS[3], id="q4")]
    options = with_params({"evalMaxNewTokens": 128}).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(evaluate_only=True), exam=exam)

    in_context = result.recall["inContext"]
    assert in_context["questions"] == 2, "the two retrieved questions; q3's whole text is too long, q4 has none"
    assert in_context["contexts"] == {"window": 1024, "answerTokens": 128, "cut": 1, "dropped": 1}
    items = {q["id"]: q.get("inContext") for q in result.report["questions"]}
    assert items["q1"]["passages"] == {"kept": 2, "sent": 3}
    assert items["q2"]["passages"] == {"kept": 1, "sent": 1}
    assert items["q3"] is None and items["q4"] is None
    assert {r["questionId"] for r in result.results if r["phase"] == "inContext"} == {"q1", "q2"}

