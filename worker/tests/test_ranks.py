"""`accelerate launch` with two processes on the CPU (gloo): one worker to the service, one adapter, the same
scores as one process."""

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import PAIRS, exam
from fake_service import FakeRun, FakeService
from qaforge_worker.options import defaults
from qaforge_worker.service import ServiceClient, serve

TOKEN = "worker-secret"
EXAM_ONLY = {"evalMaxNewTokens": 24}


def launch(svc: FakeService, work_dir: Path, max_runs: int) -> subprocess.CompletedProcess:
    accelerate = Path(sys.executable).with_name("accelerate")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src"), "OMP_NUM_THREADS": "1"}
    # --multi_gpu picks accelerate's torchrun launcher; without CUDA each process trains on the CPU over gloo.
    return subprocess.run(
        [str(accelerate), "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
         "--mixed_precision", "no", "--dynamo_backend", "no", "-m", "qaforge_worker",
         "serve", "--service", svc.url, "--token", TOKEN, "--worker-id", "pair", "--max-runs", str(max_runs),
         "--poll-seconds", "0.05", "--heartbeat-seconds", "0.5", "--work-dir", str(work_dir)],
        env=env, capture_output=True, text=True, timeout=900)


def test_two_processes_claim_once_train_one_adapter_and_score_as_one_process(tiny_model, dataset_dir, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    with FakeService(TOKEN) as svc:
        alone = svc.enqueue(FakeRun(str(tiny_model), EXAM_ONLY, None, None, exam=exam(), evaluate_only=True))
        client = ServiceClient(svc.url, TOKEN, "alone", backoff=0.05)
        assert serve(client, defaults(), work_dir=tmp_path / "one", poll_seconds=0.05, max_runs=1) == ["completed"]
        first = len(svc.calls)

        pair = svc.enqueue(FakeRun(str(tiny_model), EXAM_ONLY, None, None, exam=exam(), evaluate_only=True))
        trained = svc.enqueue(FakeRun(str(tiny_model), {"learningRate": 3e-3, "maxSteps": 100, "loggingSteps": 10,
                                                        "evalMaxNewTokens": 24},
                                      dataset_dir / "train.jsonl", dataset_dir / "test.jsonl", exam=exam()))
        done = launch(svc, tmp_path / "two", max_runs=2)
        assert done.returncode == 0, done.stderr[-4000:]

        calls = svc.calls[first:]
        claims = [p for m, p, _ in calls if m == "POST" and p.endswith("/claim")]
        assert len(claims) == 2  # one claim per run: only the main process claims
        assert [p for m, p, _ in calls if m == "PUT"] == \
            [f"/api/worker/trainings/{trained.id}/artifacts/adapter?workerId=pair"]  # one adapter
        assert len(svc.bodies("complete", pair.id)) == len(svc.bodies("complete", trained.id)) == 1  # one report each
        assert svc.bodies("fail") == []
        beats = svc.bodies("heartbeat", pair.id) + svc.bodies("heartbeat", trained.id)
        assert beats and all(b["workerId"] == "pair" for b in beats)

        # Each process scored its share of the exam; gathered, the scores are those of one process.
        one, two = svc.bodies("complete", alone.id)[0], svc.bodies("complete", pair.id)[0]
        assert two["results"] == one["results"] and two["recall"] == one["recall"]
        assert two["metrics"]["before"] == one["metrics"]["before"]

        report = svc.bodies("complete", trained.id)[0]
        assert report["metrics"]["training"]["processes"] == 2
        assert report["metrics"]["before"] == one["metrics"]["before"]
        after = report["metrics"]["after"]
        assert after["total"] == len(PAIRS) and after["correct"] >= 4  # both shards trained one adapter
        with zipfile.ZipFile(io.BytesIO(trained.artifacts["adapter"])) as zf:
            zf.extractall(tmp_path / "adapter")
        PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), tmp_path / "adapter")
    assert not (tmp_path / "two" / trained.id).exists()  # the main process cleaned up once
