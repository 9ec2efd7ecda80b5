#!/usr/bin/env python3
"""LoRA training throughput: the reference recipe (batch 1, one row per step) versus packing.

Random-init Qwen2-0.5B- and Qwen2-1.5B-shaped models built from configs in code (no download; throughput does
not depend on the weight values). LoRA r=16, alpha=32, all-linear, bf16, gradient checkpointing, SDPA, AdamW,
in a plain PyTorch loop, the way the published H100 figures this bench compares with were measured, so the numbers
sit beside them.

  tok/s  real (non-padding) tokens per second of optimizer steps (forward + backward + step)
  MFU    6 * N * tok/s / peak, N = all model parameters, peak = a bf16 8192^3 matmul measured in this run
         (6N is the usual full-training estimate; LoRA skips the frozen weights' gradients, so the real
         FLOP count is nearer 4N: read MFU as a comparison between modes, not as an absolute)

Modes: "plain" = batch 1, one row of 150-450 tokens per step (the reference recipe);
       "packed" = 4 sequences x 4096 tokens per step, rows concatenated with position_ids restarting per row
       (padding-free, as TRL's BFD packing feeds the model).

`--quick` runs a tiny config on CPU in fp32 for a few steps: a smoke test that the script still works.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

ANCHORS = {  # tok/s on one H100 80GB of the same loop: batch-1 LoRA (the recipe's), and packed
    ("qwen2-0.5b", "plain"): 524, ("qwen2-0.5b", "packed"): 31_544,
    ("qwen2-1.5b", "plain"): 472, ("qwen2-1.5b", "packed"): 16_289,
}

SHAPES = {
    "qwen2-0.5b": dict(vocab_size=151_936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                       num_attention_heads=14, num_key_value_heads=2, tie_word_embeddings=True),
    "qwen2-1.5b": dict(vocab_size=151_936, hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                       num_attention_heads=12, num_key_value_heads=2, tie_word_embeddings=True),
    "tiny": dict(vocab_size=512, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                 num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False),
}


def measure_peak_flops(device: str, quick: bool) -> float:
    import torch

    n, dtype = (512, torch.float32) if quick else (8192, torch.bfloat16)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b
    sync(device)
    iters = 5 if quick else 50
    t = time.perf_counter()
    for _ in range(iters):
        a @ b
    sync(device)
    return 2 * n**3 * iters / (time.perf_counter() - t)


def sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def build_model(shape: str, device: str, dtype, max_positions: int):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, Qwen2Config

    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=max(max_positions, 4096))
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype, attn_implementation="sdpa")
    n_params = sum(p.numel() for p in model.parameters())
    if device == "cuda":
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
    return model, n_params


def batches(mode: str, vocab: int, rng: random.Random, quick: bool):
    """Yields (input_ids, position_ids, real_tokens) forever."""
    import torch

    lo, hi = (20, 60) if quick else (150, 450)
    seqs, seq_len = (2, 256) if quick else (4, 4096)
    while True:
        if mode == "plain":
            n = rng.randint(lo, hi)
            ids = torch.randint(0, vocab, (1, n))
            yield ids, torch.arange(n).unsqueeze(0), n
        else:
            rows_ids, rows_pos = [], []
            for _ in range(seqs):
                ids, pos = [], []
                while len(ids) < seq_len:
                    n = min(rng.randint(lo, hi), seq_len - len(ids))
                    ids += [rng.randrange(vocab) for _ in range(n)] if quick else torch.randint(0, vocab, (n,)).tolist()
                    pos += list(range(n))
                rows_ids.append(ids)
                rows_pos.append(pos)
            yield torch.tensor(rows_ids), torch.tensor(rows_pos), seqs * seq_len


def run_mode(model, mode: str, device: str, steps: int, warmup: int, vocab: int, quick: bool, seed: int) -> dict:
    import torch

    rng = random.Random(seed)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    model.train()
    gen = batches(mode, vocab, rng, quick)
    tokens, seconds = 0, 0.0
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    for step in range(warmup + steps):
        ids, pos, real = next(gen)
        ids, pos = ids.to(device), pos.to(device)
        sync(device)
        t = time.perf_counter()
        out = model(input_ids=ids, position_ids=pos, labels=ids)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync(device)
        if step >= warmup:
            seconds += time.perf_counter() - t
            tokens += real
    mem = torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None
    return {"tokens": tokens, "seconds": seconds, "tokPerSec": tokens / seconds, "peakMemGiB": mem}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2-0.5b,qwen2-1.5b", help=f"comma list of {sorted(SHAPES)}")
    parser.add_argument("--modes", default="plain,packed")
    parser.add_argument("--steps", type=int, default=30, help="timed optimizer steps per mode")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--quick", action="store_true", help="tiny model on CPU, fp32, few steps (smoke test)")
    args = parser.parse_args(argv)

    import torch

    if args.quick:
        device, dtype, models = "cpu", torch.float32, ["tiny"]
        args.steps, args.warmup = min(args.steps, 3), min(args.warmup, 1)
    else:
        if not torch.cuda.is_available():
            parser.error("needs a CUDA GPU (use --quick for a CPU smoke run)")
        device, dtype, models = "cuda", torch.bfloat16, args.models.split(",")
    torch.manual_seed(args.seed)
    peak = measure_peak_flops(device, args.quick)
    gpu = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(f"device: {gpu}; measured peak: {peak / 1e12:.1f} TFLOP/s "
          f"({'fp32 512^3' if args.quick else 'bf16 8192^3'} matmul); torch {torch.__version__}", flush=True)

    results = []
    for shape in models:
        for mode in args.modes.split(","):
            model, n_params = build_model(shape, device, dtype, 4096)
            r = run_mode(model, mode, device, args.steps, args.warmup, SHAPES[shape]["vocab_size"], args.quick, args.seed)
            r.update(model=shape, mode=mode, params=n_params, mfu=6 * n_params * r["tokPerSec"] / peak,
                     anchorTokPerSec=ANCHORS.get((shape, mode)))
            results.append(r)
            print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
            del model
            if device == "cuda":
                torch.cuda.empty_cache()

    print()
    print(f"| model | params | mode | tok/s | MFU | anchor tok/s (H100) | vs anchor | peak mem GiB |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        anchor = r["anchorTokPerSec"]
        ratio = f"{r['tokPerSec'] / anchor:.2f}x" if anchor else "-"
        mem = f"{r['peakMemGiB']:.1f}" if r["peakMemGiB"] is not None else "-"
        print(f"| {r['model']} | {r['params'] / 1e9:.2f} B | {r['mode']} | {r['tokPerSec']:,.0f} | {100 * r['mfu']:.2f} % "
              f"| {anchor if anchor else '-'} | {ratio} | {mem} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": gpu, "peakFlops": peak, "results": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
