#!/usr/bin/env python3
"""LoRA training throughput of the path users run: the worker's own options through TRL's `SFTTrainer`.

Each mode is a run's params (the service's names) applied to the worker's recipe, the model loaded by the worker's
`load_model_and_tokenizer` (device_map, QLoRA) and trained by `SFTTrainer` with the worker's `trainer_args`: what a
claimed run does, minus the exam. Models are random-init Qwen2 shapes saved from configs in code (no download;
throughput does not depend on the weight values), rows are random token ids of 150-450 tokens (loss on every token).

  tok/s  real (non-padding) tokens per second of optimizer steps, after the warm-up steps (TRL's token counter)
  MFU    TRL's `compute_flops_per_token` (6N-style, attention included, full-training convention) x tok/s / peak;
         peak = TRL's table of the card's dense bf16 peak where known, else a bf16 8192^3 matmul measured here
         (fp32 512^3 on the CPU). LoRA skips the frozen weights' gradients, so read MFU as a comparison between
         modes, as TRL's own MFU logging is.

Modes (all LoRA r=16/alpha=32 on all linear layers, batch and schedule otherwise the recipe's):
  plain        batch 1, one row per step, no packing: the reference recipe
  packed       rows packed (BFD, padding-free: position ids restart per row) into --packed-length sequences,
               --packed-batch of them per step
  packed+liger the same with Liger kernels (needs liger-kernel and CUDA)
  packed+qlora the same on a 4-bit base model (needs bitsandbytes and CUDA)

GPU, one command:  python worker/bench/throughput.py --json throughput.json
CPU smoke run:     python worker/bench/throughput.py --quick
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

SHAPES = {
    "qwen2-0.5b": dict(vocab_size=151_936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True),
    "qwen2-1.5b": dict(vocab_size=151_936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                       num_attention_heads=12, num_key_value_heads=2, tie_word_embeddings=True),
    "tiny": dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False),
}

MODES = {  # the run's params on top of the recipe
    "plain": {},
    "packed": {"packing": True},
    "packed+liger": {"packing": True, "useLigerKernel": True},
    "packed+qlora": {"packing": True, "loadIn4bit": True},
}
NEEDS = {"packed+liger": "liger_kernel", "packed+qlora": "bitsandbytes"}


def measure_peak_flops(device: str, quick: bool) -> float:
    import torch

    n, dtype = (512, torch.float32) if quick else (8192, torch.bfloat16)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync()
    iters = 5 if quick else 50
    t = time.perf_counter()
    for _ in range(iters):
        a @ b
    sync()
    return 2 * n**3 * iters / (time.perf_counter() - t)


def sync() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def save_model(shape: str, directory: Path, max_positions: int) -> int:
    """A random-init model and a stand-in tokenizer (the rows are token ids already) that the worker loads; returns
    the model's parameter count."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast, Qwen2Config

    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=max(max_positions, 4096))
    model = AutoModelForCausalLM.from_config(config)
    model.save_pretrained(directory)
    vocab = {"<pad>": 0, "<eos>": 1}
    PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab, unk_token="<pad>")), pad_token="<pad>",
                            eos_token="<eos>").save_pretrained(directory)
    return sum(p.numel() for p in model.parameters())


def rows(vocab: int, tokens: int, quick: bool, rng: random.Random) -> list[dict]:
    lo, hi = (20, 60) if quick else (150, 450)
    out, total = [], 0
    while total < tokens:
        n = rng.randint(lo, hi)
        out.append({"input_ids": [rng.randrange(2, vocab) for _ in range(n)]})
        total += n
    return out


class Clock:
    """Times optimizer steps after the warm-up ones, with TRL's count of non-padding tokens."""

    def __init__(self, warmup: int):
        from transformers import TrainerCallback

        clock = self

        class Callback(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                if state.global_step == warmup:
                    sync()
                    clock.t0, clock.tokens0 = time.perf_counter(), state.num_input_tokens_seen

            def on_train_end(self, args, state, control, **kwargs):
                sync()
                clock.seconds = time.perf_counter() - clock.t0
                clock.tokens = state.num_input_tokens_seen - clock.tokens0

        self.callback = Callback()
        self.t0 = self.tokens0 = self.seconds = self.tokens = None


def run_mode(model_dir: Path, mode: str, args, work: Path) -> dict:
    import torch
    from datasets import Dataset
    from trl import SFTTrainer, get_peft_config

    from qaforge_worker.options import with_params
    from qaforge_worker.train import load_model_and_tokenizer, needs_checkpointing, trainer_args

    packed = MODES[mode].get("packing", False)
    batch = args.packed_batch if packed else 1
    length = args.packed_length if packed else 512
    params = {**MODES[mode], "batchSize": batch, "maxLength": length, "maxSteps": args.warmup + args.steps,
              "loggingSteps": 10_000, "learningRate": 1e-4}
    options = with_params(params).for_run(model_dir, work / mode)
    model, tokenizer = load_model_and_tokenizer(options)
    mean_row = 40 if args.quick else 300
    needed = (args.warmup + args.steps) * batch * (length if packed else mean_row) * 1.3
    data = Dataset.from_list(rows(model.config.vocab_size, math.ceil(needed), args.quick, random.Random(args.seed)))
    checkpointing = needs_checkpointing(model, options)
    config = trainer_args(options, work / mode / "checkpoints", [], assistant_only_loss=False,
                          checkpointing=checkpointing)
    clock = Clock(args.warmup)
    trainer = SFTTrainer(model=model, args=_no_saving(config), train_dataset=data, processing_class=tokenizer,
                         peft_config=get_peft_config(options.model), callbacks=[clock.callback])
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    mem = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    seq_len = length if packed else mean_row
    result = {"mode": mode, "tokens": clock.tokens, "seconds": clock.seconds, "tokPerSec": clock.tokens / clock.seconds,
              "peakMemGiB": mem, "gradientCheckpointing": checkpointing, "batch": batch, "maxLength": length,
              "seqLenForFlops": seq_len}
    del trainer, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return result


def _no_saving(config):
    import dataclasses

    return dataclasses.replace(config, save_strategy="no")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2-0.5b,qwen2-1.5b", help=f"comma list of {sorted(SHAPES)}")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma list of {list(MODES)}")
    parser.add_argument("--steps", type=int, default=30, help="timed optimizer steps per mode")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--packed-length", type=int, default=4096, help="tokens per packed sequence (2k-4k)")
    parser.add_argument("--packed-batch", type=int, default=4, help="packed sequences per step")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--quick", action="store_true", help="tiny model on CPU, fp32, few steps (smoke test)")
    args = parser.parse_args(argv)

    import torch
    from trl.trainer.utils import compute_flops_per_token, get_peak_flops
    from transformers import AutoConfig

    cuda = torch.cuda.is_available()
    if args.quick:
        models, args.packed_length, args.packed_batch = ["tiny"], 256, 2
        args.steps, args.warmup = min(args.steps, 5), min(args.warmup, 2)
    else:
        if not cuda:
            parser.error("needs a CUDA GPU (use --quick for a CPU smoke run)")
        models = args.models.split(",")
    torch.manual_seed(args.seed)
    device = torch.cuda.get_device_name() if cuda else "cpu"
    measured = measure_peak_flops("cuda" if cuda else "cpu", args.quick)
    spec = get_peak_flops(device, "bfloat16") if cuda else None
    peak = spec or measured
    print(f"device: {device}; peak {peak / 1e12:.1f} TFLOP/s ({'spec, TRL table' if spec else 'measured matmul'}; "
          f"measured {measured / 1e12:.1f}); torch {torch.__version__}; timing SFTTrainer", flush=True)

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in models:
            model_dir = Path(tmp) / shape
            n_params = save_model(shape, model_dir, args.packed_length)
            config = AutoConfig.from_pretrained(model_dir)
            for mode in args.modes.split(","):
                missing = NEEDS.get(mode)
                if missing and (not cuda or importlib.util.find_spec(missing) is None):
                    print(f"skipping {shape} {mode}: needs CUDA and {missing}", flush=True)
                    continue
                r = run_mode(model_dir, mode, args, Path(tmp) / "runs" / shape)
                flops = compute_flops_per_token(config, r["seqLenForFlops"])
                r.update(model=shape, params=n_params, mfu=flops * r["tokPerSec"] / peak)
                results.append(r)
                print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)

    print()
    print("| model | params | mode | batch x length | tok/s | MFU | vs plain | grad ckpt | peak mem GiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    plain = {r["model"]: r["tokPerSec"] for r in results if r["mode"] == "plain"}
    for r in results:
        ratio = f"{r['tokPerSec'] / plain[r['model']]:.1f}x" if r["model"] in plain else "-"
        mem = f"{r['peakMemGiB']:.1f}" if r["peakMemGiB"] is not None else "-"
        print(f"| {r['model']} | {r['params'] / 1e9:.3f} B | {r['mode']} | {r['batch']} x {r['maxLength']} "
              f"| {r['tokPerSec']:,.0f} | {100 * r['mfu']:.2f} % | {ratio} | {r['gradientCheckpointing']} | {mem} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": device, "peakFlops": peak, "measuredPeakFlops": measured, "results": results}, fh,
                      indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
