#!/usr/bin/env python3
"""Recall on a real pretrained model, on CPU: SmolLM2-135M-Instruct learns a short document (bench/realmodel.py).

  worker/bin/venv >/dev/null && "$(worker/bin/venv)/bin/python" worker/bench/real-recall.py

Prints, for the exam's held-out paraphrased questions, exact match / token F1 / contained before training (closed
book), in context (the source paragraph in the prompt) and after training (closed book), the recovery ratio, and
the CPU and wall minutes of the run (model conversion, cached after the first run, not included).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from realmodel import run, smollm2_dir  # noqa: E402


def main() -> int:
    from qaforge_worker.options import with_params

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=float, default=6.0)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--output", help="keep the run's output here (default: a temporary directory)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    smollm2_dir()  # convert once before timing
    options = with_params({"epochs": args.epochs, "learningRate": args.learning_rate, "evalMaxNewTokens": 48,
                           "evalLoss": False, "loggingSteps": 10})
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(Path(args.output or tmp), options)
    recall, training = figures["recall"], figures["metrics"]["training"]
    print(f"SmolLM2-135M-Instruct, {training['steps']} steps ({args.epochs:g} epochs, lr {args.learning_rate:g}), "
          f"{figures['cpuMinutes']} CPU minutes, {figures['wallMinutes']} wall minutes")
    print("| phase | questions | exact match | token F1 | contained |")
    print("|---|---|---|---|---|")
    for phase in ("before", "inContext", "after"):
        s = recall[phase]
        print(f"| {phase} | {s['questions']} | {s['exactMatch']} | {s['tokenF1']} | {s['contained']} |")
    print(f"recovery ratio (contained): {recall['recoveryRatio']}; by metric: {recall['recoveryRatioBy']}")
    for q in figures["report"]["questions"]:
        print(f"- {q['question']}\n    reference: {q['reference']}\n    before:    {q['before']['answer'][:100]!r}"
              f"\n    after:     {q['after']['answer'][:100]!r}")
    if args.json:
        Path(args.json).write_text(json.dumps({"recall": recall, "training": training,
                                               "cpuMinutes": figures["cpuMinutes"],
                                               "wallMinutes": figures["wallMinutes"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
