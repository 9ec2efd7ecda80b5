"""A real pretrained model, on CPU: SmolLM2-135M-Instruct (its real tokenizer and chat template) learns five facts
of a short document and answers held-out, paraphrased questions about them better than before.
The whole document, with figures, is bench/real-recall.py."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from realmodel import run  # noqa: E402
from qaforge_worker.options import with_params  # noqa: E402


def test_smollm2_recalls_paraphrased_questions_after_training(tmp_path):
    options = with_params({"epochs": 6, "learningRate": 1e-3, "evalMaxNewTokens": 24, "evalLoss": False, "loggingSteps": 10})
    figures = run(tmp_path, options, facts=5)
    recall = figures["recall"]
    print({p: recall[p] for p in ("before", "inContext", "after")}, figures["cpuMinutes"], "CPU minutes")
    before, after = recall["before"], recall["after"]
    assert before["questions"] == after["questions"] == 5
    assert recall["inContext"]["questions"] == 5
    assert after["tokenF1"] > before["tokenF1"] + 0.2
    assert after["contained"] > before["contained"]
    answers = [q["after"]["answer"] for q in figures["report"]["questions"]]
    assert all("<|im_end|>" not in a and len(a) < 120 for a in answers)  # the answers end with the turn
