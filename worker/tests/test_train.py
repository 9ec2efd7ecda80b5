"""The real training path on CPU: SFTTrainer + LoRA on a tiny random-init Qwen2 model."""

import io
import json

import pytest

from conftest import PAIRS
from qaforge_worker.cli import main
from qaforge_worker.options import LocalOptions, with_params
from qaforge_worker.progress import StdoutReporter
from qaforge_worker.train import run_training


@pytest.fixture(scope="module")
def trained(tiny_model, dataset_dir, tmp_path_factory):
    """200 steps at lr 3e-3 on five repeated facts: enough for a tiny model to memorise them."""
    out = tmp_path_factory.mktemp("run")
    stream = io.StringIO()
    options = with_params({"maxSteps": 200, "learningRate": 3e-3, "loggingSteps": 5}).for_run(tiny_model, out)
    result = run_training(options, LocalOptions(dataset=str(dataset_dir)), StdoutReporter(stream=stream, min_interval=0))
    return out, result, stream.getvalue()


def test_loss_falls(trained):
    _, result, _ = trained
    history = result.metrics["lossHistory"]
    assert len(history) == 40
    assert history[-1]["loss"] < history[0]["loss"] - 0.3
    evals = result.metrics["evalLossHistory"]
    assert evals and evals[-1]["evalLoss"] < evals[0]["evalLoss"]


def test_trained_model_recalls_more_than_untrained(trained):
    _, result, _ = trained
    before, after = result.metrics["before"], result.metrics["after"]
    print(f"recall before {before['correct']}/{before['total']}, after {after['correct']}/{after['total']}")
    assert before["total"] == after["total"] == len(PAIRS)
    assert before["correct"] <= 1
    assert after["correct"] >= 4 and after["correct"] > before["correct"]
    assert after["meanF1"] > before["meanF1"]


def test_adapter_loads_back_with_peft_and_answers(trained, tiny_model):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from qaforge_worker.data import QAPair
    from qaforge_worker.evaluate import generate_answers

    out, result, _ = trained
    assert (out / "adapter_model.safetensors").exists()
    config = json.loads((out / "adapter_config.json").read_text())
    assert config["r"] == 16 and config["lora_alpha"] == 32
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.chat_template == AutoTokenizer.from_pretrained(tiny_model).chat_template  # the model's own
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), out)
    answers = generate_answers(model, tokenizer, [QAPair(q, a) for q, a in PAIRS], max_new_tokens=24)
    reloaded = sum(1 for ans, (_, a) in zip(answers, PAIRS) if ans == a)
    assert reloaded == result.metrics["after"]["exactMatch"]


def test_reports_are_written(trained):
    out, result, _ = trained
    metrics = json.loads((out / "metrics.json").read_text())
    report = json.loads((out / "report.json").read_text())
    assert metrics["after"] == result.metrics["after"]
    assert metrics["training"]["assistantMasking"] == "template"
    assert metrics["training"]["steps"] == 200 and metrics["training"]["tokensPerSecond"] > 0
    assert len(report["questions"]) == len(PAIRS)
    first = report["questions"][0]
    assert first["question"] == PAIRS[0][0] and first["reference"] == PAIRS[0][1]
    assert {"answer", "correct", "f1", "exactMatch", "contained"} <= set(first["after"])
    md = (out / "report.md").read_text()
    before, after = metrics["before"], metrics["after"]
    assert f"{before['correct']} / {before['total']} correct" in md
    assert f"{after['correct']} / {after['total']} correct" in md
    assert PAIRS[0][0] in md
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_lines_on_stdout(trained):
    _, _, text = trained
    lines = [json.loads(line)["progress"] for line in text.splitlines()]
    phases = [p["phase"] for p in lines]
    assert phases[0] == "evaluating-before" and phases[-1] == "saving"
    assert "evaluating-after" in phases
    steps = [p for p in lines if p["phase"] == "training" and "loss" in p]
    assert steps[-1]["step"] == steps[-1]["totalSteps"] == 200
    assert {"learningRate", "tokensPerSecond", "etaSeconds"} <= set(steps[-1])
    assert steps[-1]["learningRate"] < steps[0]["learningRate"]  # cosine decays


def test_probe_mode_keeps_lr_constant_and_measures_eval_loss(tiny_model, dataset_dir, tmp_path):
    options = with_params({"probe": True, "probeEpochs": 2, "probeEvalsPerEpoch": 2, "learningRate": 1e-3,
                           "evalLimit": 0}).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(dataset_dir)), StdoutReporter(stream=io.StringIO()))
    lrs = {e["learningRate"] for e in result.metrics["lossHistory"]}
    assert lrs == {1e-3}  # constant schedule, no warm-up
    probe = result.metrics["probe"]
    print(probe)
    assert len(probe["evalLosses"]) >= 3  # several measurements, not one per run
    assert probe["bestStep"] == min(probe["evalLosses"], key=lambda e: e["evalLoss"])["step"]
    assert result.metrics["before"] is None  # eval_limit=0 skips the Q/A evaluation


def test_packing_and_markerless_template_via_cli(tiny_model_plain_template, dataset_dir, tmp_path, capsys):
    """A chat template without {% generation %} markers falls back to our own assistant masks."""
    code = main(["train", "--dataset", str(dataset_dir), "--model_name_or_path", str(tiny_model_plain_template),
                 "--output_dir", str(tmp_path), "--max_steps", "30", "--learning_rate", "3e-3",
                 "--packing", "--max_length", "128", "--eval_limit", "2"])
    assert code == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["result"]
    assert result["training"]["assistantMasking"] == "prefix-diff"
    assert result["training"]["steps"] == 30
    assert result["training"]["lastLoss"] < result["training"]["firstLoss"]
    assert result["before"]["total"] == 2
    assert (tmp_path / "adapter_model.safetensors").exists()


def test_a_base_model_without_chat_template_learns_to_stop(tiny_base_model, dataset_dir, tmp_path):
    """Its turns end with its own EOS, so answers stop after the fact instead of running to the length cap."""
    from transformers import AutoTokenizer

    options = with_params({"maxSteps": 200, "learningRate": 3e-3, "loggingSteps": 50,
                           "evalMaxNewTokens": 40}).for_run(tiny_base_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(dataset_dir)), StdoutReporter(stream=io.StringIO()))
    after = result.metrics["after"]
    answers = [q["after"]["answer"] for q in result.report["questions"]]
    print(answers)
    assert result.metrics["training"]["assistantMasking"] == "default-chatml"
    assert after["exactMatch"] >= 4  # the answer, then the end of the turn: nothing after it
    saved = AutoTokenizer.from_pretrained(tmp_path)
    assert "<|endoftext|>" in saved.apply_chat_template([{"role": "user", "content": "q"},
                                                         {"role": "assistant", "content": "a"}], tokenize=False)


def test_a_long_low_rate_schedule_stops_early_on_the_held_out_loss(tiny_model, dataset_dir, tmp_path):
    """A 100-epoch constant-rate run stops once the loss on a held-out training row has not improved for two
    epochs; the report says where, and what it cost."""
    options = with_params({"epochs": 100, "learningRate": 3e-3, "lrScheduler": "constant", "warmupRatio": 0,
                           "earlyStoppingPatience": 2, "evalLimit": 0, "evalLoss": False, "loggingSteps": 4}
                          ).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(dataset_dir)), StdoutReporter(stream=io.StringIO()))
    training = result.metrics["training"]
    early = training["earlyStopping"]
    print({k: v for k, v in early.items() if k != "heldOutLosses"}, training["steps"], training["seconds"])
    assert training["trainRows"] == 4 and early["heldOutRows"] == 1  # one of the five rows held out
    assert early["stoppedEarly"] and training["steps"] < early["plannedSteps"] == 400
    losses = [e["heldOutLoss"] for e in early["heldOutLosses"]]
    best = losses.index(min(losses))
    assert len(losses) - 1 - best >= 2  # two evaluations without improvement, then it stopped
    assert early["bestStep"] == early["heldOutLosses"][best]["step"]
    assert training["seconds"] > 0 and training["tokensPerSecond"] > 0
