"""Study passages (text rows) mixed into training: read beside chat rows, trained with the loss on every token while
chat rows keep the assistant-only loss, interleaved or continued pretraining first, on the tiny model."""

import io
import json

import pytest
from transformers import AutoTokenizer

import conftest
from conftest import PAIRS, SYSTEM, chat
from qaforge_worker.data import iter_pairs, read_jsonl_lines, system_prompt
from qaforge_worker.mixing import prepare, tokenize, training_stream
from qaforge_worker.options import LocalOptions, apply_params, defaults, with_params
from qaforge_worker.progress import StdoutReporter
from qaforge_worker.train import run_training
from tiny_model import write_jsonl

# Study passages in the tiny model's words: what the service exports as `{"text", "strategy", "chunkId"}` rows.
PASSAGES = [{"text": " ".join(q + " " + a for q, a in PAIRS[i:i + 2]), "strategy": strategy, "chunkId": f"c{i}"}
            for i, strategy in zip(range(0, len(PAIRS), 2), ("concepts", "teacher", "outline"))]


def mixed_rows():
    return [chat(p, system=SYSTEM) for p in PAIRS] + PASSAGES


def test_text_rows_are_read_beside_chat_rows_and_never_become_exam_questions():
    rows = read_jsonl_lines([json.dumps(r) for r in mixed_rows()], "train.jsonl")
    assert rows[-1] == PASSAGES[-1]
    assert [p.question for p in iter_pairs(rows)] == [q for q, _ in PAIRS]
    assert system_prompt(rows) == SYSTEM  # the passages have no system message to disagree with
    for bad in ({"text": "  "}, {"text": 3}, {"text": "fine", "strategy": 7}):
        with pytest.raises(ValueError, match="train.jsonl:1"):
            read_jsonl_lines([json.dumps(bad)], "train.jsonl")


@pytest.mark.parametrize("model", ["tiny_model", "tiny_model_plain_template"])
def test_text_rows_train_every_token_and_chat_rows_only_the_answers(model, request, tmp_path):
    """Both the TRL-template path and the prefix-diff fallback, through TRL's own label building."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from qaforge_worker.masking import choose_strategy

    path = request.getfixturevalue(model)
    tok = AutoTokenizer.from_pretrained(path)
    items = tokenize([chat(PAIRS[0]), PASSAGES[0]], tok, choose_strategy(tok))
    trainer = SFTTrainer(model=str(path), processing_class=tok, train_dataset=Dataset.from_list(items),
                         args=SFTConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none", max_length=512))
    chat_labels, text_labels = trainer.train_dataset["labels"]
    trained = tok.decode([t for t in chat_labels if t != -100])
    assert trained.startswith(PAIRS[0][1]) and PAIRS[0][0] not in trained
    assert text_labels == items[1]["input_ids"]  # every token of the passage
    assert tok.decode(text_labels) == PASSAGES[0]["text"] + tok.eos_token  # ended, so a passage learns to stop


def test_cpt_then_sft_lays_out_every_text_epoch_before_the_pairs():
    chats, texts = [chat(p) for p in PAIRS], PASSAGES
    stream, epochs = training_stream(chats, texts, "cpt-then-sft", None, 2.5, seed=1)
    assert epochs == 1.0
    kinds = ["text" if "text" in r else "chat" for r in stream]
    assert kinds == ["text"] * 8 + ["chat"] * 12  # 2.5 passes over 3 passages, then over 5 pairs (rounded)
    assert {r["chunkId"] for r in stream[:3]} == {"c0", "c2", "c4"}  # each pass is a whole one
    interleaved, epochs = training_stream(chats, texts, "interleaved", 1.6, 2.5, seed=1)
    assert epochs == 2.5 and sum("text" in r for r in interleaved) == 8 and len(interleaved) == 13
    assert training_stream(chats, texts, "interleaved", None, 1, seed=1)[0] == chats + texts


def test_study_params_are_ranged():
    options, _ = apply_params(defaults(), {"studyOrder": "interleaved", "studyRatio": 0.5})
    assert (options.worker.study_order, options.worker.study_ratio) == ("interleaved", 0.5)
    assert defaults().worker.study_order == "cpt-then-sft"
    for bad in ({"studyOrder": "sft-then-cpt"}, {"studyRatio": 0}, {"studyRatio": 101}):
        with pytest.raises(ValueError, match="study"):
            apply_params(defaults(), bad)
    probing = with_params({"probe": True, "studyOrder": "cpt-then-sft"})  # probe epochs are of one shuffled dataset
    with pytest.raises(ValueError, match="probe mode"):
        prepare(mixed_rows(), [], None, "template", probing)
    assert prepare([chat(p) for p in PAIRS], [], None, "template", probing) is None  # no passages: nothing to mix


@pytest.fixture(scope="module")
def mixed_dataset(tmp_path_factory):
    d = tmp_path_factory.mktemp("mixed")
    write_jsonl(d / "train.jsonl", conftest.train_rows() + PASSAGES)
    write_jsonl(d / "test.jsonl", conftest.test_rows())
    return d


@pytest.fixture
def seen(monkeypatch):
    """Each training step's row kind, from its labels: a text row's are all trained, a chat row's are not."""
    from trl import SFTTrainer

    kinds = []
    compute_loss = SFTTrainer.compute_loss

    def recording(self, model, inputs, *args, **kwargs):
        if model.training:
            kinds.append("text" if bool((inputs["labels"][0, 1:] != -100).all()) else "chat")
        return compute_loss(self, model, inputs, *args, **kwargs)

    monkeypatch.setattr(SFTTrainer, "compute_loss", recording)
    return kinds


@pytest.mark.parametrize("order", ["interleaved", "cpt-then-sft"])
def test_mixed_training_runs_both_row_kinds_in_the_order_asked(order, tiny_model, mixed_dataset, tmp_path, seen):
    options = with_params({"epochs": 3, "learningRate": 3e-3, "studyOrder": order, "evalLimit": 2,
                           "loggingSteps": 5}).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(mixed_dataset)), StdoutReporter(stream=io.StringIO()))

    study = result.metrics["training"]["study"]
    assert study == {"order": order, "ratio": None, "textRows": 3, "chatRows": 5, "textRowsTrained": 9,
                     "chatRowsTrained": 15, "strategies": ["concepts", "outline", "teacher"]}
    assert result.metrics["training"]["steps"] == len(seen) == 24
    if order == "cpt-then-sft":
        assert seen == ["text"] * 9 + ["chat"] * 15
    else:
        # shuffled together: each epoch of 8 rows has its 3 passages among the pairs
        assert [seen[e * 8:(e + 1) * 8].count("text") for e in range(3)] == [3, 3, 3]
        assert seen != sorted(seen) and seen != sorted(seen, reverse=True)
    assert (tmp_path / "adapter_model.safetensors").exists()
    assert result.metrics["after"]["total"] == 2


def test_cpt_then_sft_with_early_stopping_stays_in_order_and_is_evaluated_about_once_per_pass(
        tiny_model, mixed_dataset, tmp_path, seen):
    """The held-out slice comes out of the rows before the stream is laid out; the one-epoch stream is still read
    text first and evaluated during the run, not only at its end."""
    options = with_params({"epochs": 2, "learningRate": 3e-3, "earlyStoppingPatience": 100, "evalLimit": 0,
                           "evalLoss": False, "loggingSteps": 5}).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(mixed_dataset)), StdoutReporter(stream=io.StringIO()))

    training = result.metrics["training"]
    study, early = training["study"], training["earlyStopping"]
    assert early["heldOutRows"] == 1 and study["textRows"] + study["chatRows"] == training["trainRows"] == 7
    assert seen == ["text"] * (2 * study["textRows"]) + ["chat"] * (2 * study["chatRows"])
    assert len(early["heldOutLosses"]) >= 3  # about once per pass (2 of the passages, 2 of the pairs)
