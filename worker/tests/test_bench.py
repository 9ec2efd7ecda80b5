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
