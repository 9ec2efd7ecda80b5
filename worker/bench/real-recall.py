#!/usr/bin/env python3
"""Recall on a real pretrained model, on CPU: SmolLM2-135M-Instruct learns a short document (bench/realmodel.py).

  worker/bin/venv >/dev/null && "$(worker/bin/venv)/bin/python" worker/bench/real-recall.py

Prints, for the exam's held-out paraphrased questions, exact match / token F1 / contained before training (closed
book), in context (the source paragraph in the prompt) and after training (closed book), the recovery ratio, and
the CPU and wall minutes of the run (model conversion, cached after the first run, not included).

  ... real-recall.py --study [--provider-url URL --provider-model NAME] [--base-model DIR] [--output DIR]

compares, on the same document and exam, pairs only with pairs plus study passages at the same number of generated
tokens (bench/study.py): interleaved, and continued pretraining first then SFT. Passages are written one per chunk
and strategy through the OpenAI-compatible provider (key from OPENAI_API_KEY), by default SmolLM2 served on CPU by
llama-cpp-python, and kept in <output>/passages.jsonl for the next run; `--passages FILE` reads them from a file
instead (bench/fixtures/tidal-mill/study.jsonl: seven grounded ones written by hand, as a good provider writes them). Prints recall (key facts) before, in context
and after, per direction, and the retention exam (general knowledge, closed book) before and after, with its drop.
The base model's scores are computed once and shared by the arms.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from realmodel import FIXTURES, run, smollm2_dir  # noqa: E402

RETENTION = Path(__file__).resolve().parents[2] / "src/main/resources/io/qaforge/exam/retention/general-knowledge-v1.jsonl"


def main() -> int:
    from qaforge_worker.options import with_params

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=float, default=6.0)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--output", help="keep the run's output here (default: a temporary directory)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--study", action="store_true", help="compare pairs only with pairs plus study passages")
    parser.add_argument("--provider-url", help="OpenAI-compatible base URL writing the passages (default: SmolLM2 "
                                               "through llama-cpp-python on CPU)")
    parser.add_argument("--provider-model", default="SmolLM2-135M-Instruct")
    parser.add_argument("--base-model", help="the model trained (default: SmolLM2-135M-Instruct, converted)")
    parser.add_argument("--study-share", type=float, default=0.5,
                        help="share of the generated-token budget the passages may take (default 0.5)")
    parser.add_argument("--retention", type=int, default=40, help="retention exam questions (default 40)")
    parser.add_argument("--arms", default="pairs,interleaved,cpt-then-sft",
                        help="what is compared: 'pairs' (pairs only) and the study orders")
    parser.add_argument("--passages", help="read the passages from this JSONL file instead of writing them, e.g. "
                                           "bench/fixtures/tidal-mill/study.jsonl (written by hand, grounded)")
    args = parser.parse_args()

    smollm2_dir()  # convert once before timing
    options = with_params({"epochs": args.epochs, "learningRate": args.learning_rate, "evalMaxNewTokens": 48,
                           "evalLoss": False, "loggingSteps": 10})
    if args.study:
        return compare_study(args, options)
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


def compare_study(args, options) -> int:
    """Pairs only against pairs plus study passages at the same generated tokens, in each order asked."""
    import shutil

    from transformers import AutoTokenizer

    from qaforge_worker.data import iter_pairs, read_jsonl, read_question_file
    from qaforge_worker.options import with_params
    from study import (chunks, generated_tokens, pair_tokens, same_budget, smollm2_server, write_job,
                       write_passages)

    out = Path(args.output or tempfile.mkdtemp(prefix="study-recall-"))
    out.mkdir(parents=True, exist_ok=True)
    model = Path(args.base_model) if args.base_model else smollm2_dir()
    tokenizer = AutoTokenizer.from_pretrained(model)
    saved = Path(args.passages) if args.passages else out / "passages.jsonl"
    if args.passages and not saved.exists():
        sys.exit(f"real-recall: no passages file {saved}")
    if saved.exists():
        passages = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        texts = chunks((FIXTURES / "document.md").read_text(encoding="utf-8"))
        if args.provider_url:
            passages = write_passages(args.provider_url, args.provider_model, texts)
        else:
            with smollm2_server() as url:
                passages = write_passages(url, args.provider_model, texts)
        saved.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in passages), encoding="utf-8")
    pairs = list(iter_pairs(read_jsonl(FIXTURES / "train.jsonl")))
    kept, chosen, budget = same_budget(pairs, passages, tokenizer, args.study_share)
    retention = read_question_file(RETENTION)[: args.retention]
    state = out / "state"  # the base model's scores, shared: only "after" differs between arms
    arms = [("pairs only", pairs, [], "interleaved") if arm == "pairs" else (f"pairs + study, {arm}", kept, chosen, arm)
            for arm in args.arms.split(",")]
    figures = []
    for name, arm_pairs, arm_passages, order in arms:
        slug = name.replace(" + ", "-").replace(", ", "-").replace(" ", "-")
        data = write_job(out / slug / "job", arm_pairs, arm_passages, FIXTURES / "exam.jsonl")
        for checkpoints in state.glob("checkpoints*"):  # each arm trains from the base model
            shutil.rmtree(checkpoints, ignore_errors=True)
        result = run(out / slug, with_params({"studyOrder": order}, options), data=data, base_model=model,
                     retention=retention, state_dir=state)
        tokens = {"pairs": sum(pair_tokens(tokenizer, p) for p in arm_pairs),
                  "passages": sum(generated_tokens(tokenizer, p["text"]) for p in arm_passages)}
        figures.append({"arm": name, "pairs": len(arm_pairs), "passages": len(arm_passages),
                        "strategies": sorted({p["strategy"] for p in arm_passages}), "generatedTokens": tokens,
                        "steps": result["metrics"]["training"]["steps"], "recall": result["recall"],
                        "cpuMinutes": result["cpuMinutes"], "wallMinutes": result["wallMinutes"]})
        print(f"study: {name} done in {result['wallMinutes']} wall minutes", file=sys.stderr)

    print(f"{model.name}: {len(passages)} passages written, budget {budget} generated tokens (all {len(pairs)} "
          f"pairs); passages may take {args.study_share:g} of it; {args.epochs:g} epochs, lr {args.learning_rate:g}")
    print("| arm | pairs | passages | generated tokens (pairs + passages) | steps | phase | all | forward | reverse |")
    print("|---|---|---|---|---|---|---|---|---|")
    for f in figures:
        for phase in ("before", "inContext", "after"):
            s = f["recall"][phase]
            by = s.get("byDirection", {})
            cells = [s["keyFacts"]] + [by.get(d, {}).get("keyFacts") for d in ("forward", "reverse")]
            print(f"| {f['arm']} | {f['pairs']} | {f['passages']} | {f['generatedTokens']['pairs']} + "
                  f"{f['generatedTokens']['passages']} | {f['steps']} | {phase} | " + " | ".join(map(str, cells)) + " |")
    print("| arm | recovery ratio (key facts) | retention before | retention after | retention drop | CPU min | wall min |")
    print("|---|---|---|---|---|---|---|")
    for f in figures:
        r = f["recall"].get("retention") or {}
        drop = round(r["before"] - r["after"], 4) if r.get("before") is not None and r.get("after") is not None else None
        f["retentionDrop"] = drop
        print(f"| {f['arm']} | {f['recall']['recoveryRatio']} | {r.get('before')} | {r.get('after')} | {drop} | "
              f"{f['cpuMinutes']} | {f['wallMinutes']} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"budget": budget, "arms": figures}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
