"""bench/throughput.py must keep working: run its CPU smoke mode for a few steps."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "throughput.py"


def test_throughput_quick_times_sft_trainer_on_cpu_and_reports_plain_beside_packed(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(BENCH), "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "| tiny |" in proc.stdout and "timing SFTTrainer" in proc.stdout
    results = json.loads(out.read_text())["results"]
    assert [r["mode"] for r in results] == ["plain", "packed"]
    assert all(r["tokPerSec"] > 0 and 0 < r["mfu"] for r in results)
    plain, packed = results
    assert packed["tokens"] > plain["tokens"]  # a packed step carries many rows


def test_throughput_without_gpu_says_so():
    import pytest
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    proc = subprocess.run([sys.executable, str(BENCH)], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "--quick" in proc.stderr


def test_study_comparison_spends_the_pairs_budget_on_passages_and_a_phrasing_of_every_fact(tiny_model):
    """bench/real-recall.py --study: the mixed arm costs no more generated tokens than all the pairs do."""
    sys.path.insert(0, str(BENCH.parent))
    from study import chunks, pair_tokens, generated_tokens, same_budget
    from transformers import AutoTokenizer

    from conftest import PAIRS
    from qaforge_worker.data import QAPair

    tok = AutoTokenizer.from_pretrained(tiny_model)
    pairs = [QAPair(q + suffix, a) for q, a in PAIRS for suffix in ("", " Tell me.", " Say it.")]  # 3 per fact
    passages = [{"text": " ".join(q + " " + a for q, a in PAIRS[c:c + 2]), "strategy": s, "chunkId": f"chunk-{c}"}
                for c in (1, 2) for s in ("concepts", "teacher")]
    kept, chosen, budget = same_budget(pairs, passages, tok, share=0.5)
    assert budget == sum(pair_tokens(tok, p) for p in pairs)
    spent_on_passages = sum(generated_tokens(tok, p["text"]) for p in chosen)
    assert chosen and spent_on_passages <= 0.5 * budget
    assert [(p["chunkId"], p["strategy"]) for p in chosen][:2] == [("chunk-1", "concepts"), ("chunk-2", "teacher")]
    assert spent_on_passages + sum(pair_tokens(tok, p) for p in kept) <= budget
    assert {p.answer for p in kept} == {a for _, a in PAIRS} and len(kept) < len(pairs)
    assert chunks("# Title\n\nOne.\n\nTwo.\n") == ["One.", "Two."]
