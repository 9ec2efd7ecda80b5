#!/usr/bin/env python3
"""Evaluation speed: minutes per 100 exam questions, the worker's previous way against today's, in one run.

  "$(worker/bin/venv)/bin/python" worker/bench/eval-speed.py            # SmolLM2-135M-Instruct (bench/realmodel.py)
  "$(worker/bin/venv)/bin/python" worker/bench/eval-speed.py --tiny     # a tiny random-init model, seconds

Both ways answer the same questions, closed book and in context (the tidal-mill exam, repeated to `--questions`,
its order shuffled), greedy, up to `--max-new-tokens`, on a model carrying a freshly initialised LoRA adapter
(the "after" phase):
  previous  batches in exam order (prompts of mixed length, left padded), the unmerged LoRA forward;
  today     batches of prompts sorted by length, the adapter merged into the weights (`evaluate.generate_answers`).
Prints minutes per 100 questions (both phases), the speed-up, and whether the answers agree.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def previous_answers(model, tokenizer, pairs, *, batch_size, max_new_tokens, in_context):
    """The evaluation loop as the worker ran it before (exam order, one padded batch after another)."""
    import torch

    from qaforge_worker.evaluate import generation_config, prompt_messages
    from qaforge_worker.masking import render

    config = generation_config(tokenizer, max_new_tokens)
    tokenizer.padding_side = "left"
    answers = []
    for start in range(0, len(pairs), batch_size):
        prompts = [render(tokenizer, prompt_messages(p, in_context), add_generation_prompt=True)
                   for p in pairs[start:start + batch_size]]
        enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        with torch.inference_mode():
            out = model.generate(**enc, generation_config=config)
        answers += [t.strip() for t in tokenizer.batch_decode(out[:, enc["input_ids"].shape[1]:], skip_special_tokens=True)]
    return answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny", action="store_true", help="a tiny random-init model instead of SmolLM2-135M")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from qaforge_worker.data import QAPair
    from qaforge_worker.evaluate import generate_answers
    from realmodel import FIXTURES

    exam = [json.loads(line) for line in (FIXTURES / "exam.jsonl").read_text(encoding="utf-8").splitlines()]
    pairs = [QAPair(q["question"], q["answer"], context=q["context"]) for q in exam]
    pairs = (pairs * (args.questions // len(pairs) + 1))[:args.questions]
    random.Random(0).shuffle(pairs)
    with tempfile.TemporaryDirectory() as tmp:
        if args.tiny:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            from tiny_model import build_tiny_model_dir

            text = [q["question"] + " " + q["answer"] + " " + q["context"] for q in exam]
            model_dir = build_tiny_model_dir(Path(tmp) / "tiny", text * 3)
        else:
            from realmodel import smollm2_dir

            model_dir = smollm2_dir()
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
        model = get_peft_model(base, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
        model.eval()
        figures = {}
        for way in ("previous", "today"):
            if way == "today":
                model.merge_adapter()
            start, answers = time.monotonic(), []
            for in_context in (False, True):
                if way == "previous":
                    answers += previous_answers(model, tokenizer, pairs, batch_size=args.batch_size,
                                                max_new_tokens=args.max_new_tokens, in_context=in_context)
                else:
                    answers += generate_answers(model, tokenizer, pairs, batch_size=args.batch_size,
                                                max_new_tokens=args.max_new_tokens, in_context=in_context)
            seconds = time.monotonic() - start
            figures[way] = {"minutesPer100": round(seconds / 60 * 100 / len(pairs), 2), "answers": answers}
    same = sum(a == b for a, b in zip(figures["previous"]["answers"], figures["today"]["answers"]))
    name = "tiny random-init Qwen2" if args.tiny else "SmolLM2-135M-Instruct"
    device = "CUDA" if torch.cuda.is_available() else f"CPU, {torch.get_num_threads()} threads"
    print(f"{name}, {len(pairs)} questions closed book + in context, {args.max_new_tokens} new tokens max, "
          f"batch {args.batch_size}, {device}")
    print("| way | minutes per 100 questions |\n|---|---|")
    for way in ("previous", "today"):
        print(f"| {way} | {figures[way]['minutesPer100']} |")
    print(f"speed-up {figures['previous']['minutesPer100'] / max(figures['today']['minutesPer100'], 1e-9):.2f}x; "
          f"{same} of {2 * len(pairs)} answers identical")
    if args.json:
        Path(args.json).write_text(json.dumps({w: {"minutesPer100": f["minutesPer100"]} for w, f in figures.items()}
                                              | {"identical": same, "answers": 2 * len(pairs)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
