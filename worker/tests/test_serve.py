"""`serve` end to end against an in-process fake of the service's worker API."""

import threading
from pathlib import Path

import pytest

from fake_service import FakeRun, FakeService
from qaforge_worker.options import TrainOptions
from qaforge_worker.service import ServiceClient, serve

TOKEN = "worker-secret"
FAST = {"learningRate": 3e-3, "maxSteps": 200, "loggingSteps": 5}


def client_for(svc: FakeService, **kw) -> ServiceClient:
    return ServiceClient(svc.url, TOKEN, "test-worker", backoff=0.05, **kw)


def run_serve(svc, tmp_path, max_runs, heartbeat_seconds=0.5, **kw):
    return serve(client_for(svc), TrainOptions(), work_dir=tmp_path / "runs", poll_seconds=0.05,
                 heartbeat_seconds=heartbeat_seconds, max_runs=max_runs, **kw)


def test_claim_train_heartbeat_complete(tiny_model, dataset_dir, tmp_path):
    with FakeService(TOKEN) as svc:
        svc.fail_next = {"claim": 1, "complete": 1}  # transient 503s are retried
        run = svc.enqueue(FakeRun(str(tiny_model), {**FAST, "loraR": 8, "unknownKnob": 1},
                                  dataset_dir / "train.jsonl", dataset_dir / "test.jsonl"))
        outcomes = run_serve(svc, tmp_path, max_runs=1)

        assert outcomes == ["completed"]
        assert svc.unauthorized == []
        assert [p for m, p, _ in svc.calls if m == "GET"] == [f"/data/{run.id}/train.jsonl", f"/data/{run.id}/test.jsonl"]
        beats = svc.bodies("heartbeat", run.id)
        phases = [b["phase"] for b in beats]
        for phase in ("evaluating-before", "training", "evaluating-after", "saving"):
            assert phase in phases
        assert all(b["workerId"] == "test-worker" for b in beats)
        training = [b for b in beats if b["phase"] == "training" and b["step"]]
        assert training and training[-1]["totalSteps"] == 200
        assert {"loss", "learningRate", "tokensPerSecond", "etaSeconds", "gpuMemoryMb", "evalLoss"} <= set(training[-1])
        assert training[-1]["loss"] is not None and training[-1]["tokensPerSecond"] > 0

        completes = svc.bodies("complete", run.id)
        assert len(completes) == 2  # the first got a 503 and was retried
        done = completes[-1]
        metrics = done["metrics"]
        assert metrics["before"]["total"] == 5 and metrics["after"]["total"] == 5
        assert metrics["after"]["correct"] > metrics["before"]["correct"]
        assert len(done["report"]["questions"]) == 5
        adapter = Path(done["adapterUri"])
        assert (adapter / "adapter_model.safetensors").exists()
        import json
        assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 8  # params applied
        assert svc.bodies("fail") == []


def test_cancel_stops_training_and_reports_cancelled(tiny_model, dataset_dir, tmp_path):
    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), {"maxSteps": 100000, "learningRate": 1e-3},
                                  dataset_dir / "train.jsonl", dataset_dir / "test.jsonl",
                                  cancel_after_training_beats=2))
        outcomes = run_serve(svc, tmp_path, max_runs=1, heartbeat_seconds=0.2)

        assert outcomes == ["cancelled"]
        assert svc.bodies("fail", run.id) == [{"workerId": "test-worker", "reason": "cancelled"}]
        assert svc.bodies("complete") == []
        last_step = max(b["step"] or 0 for b in svc.bodies("heartbeat", run.id))
        assert last_step < 100000


def test_lease_lost_abandons_run_without_complete_or_fail(tiny_model, dataset_dir, tmp_path):
    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), {"maxSteps": 100000},
                                  dataset_dir / "train.jsonl", dataset_dir / "test.jsonl",
                                  lose_lease_after_training_beats=1))
        outcomes = run_serve(svc, tmp_path, max_runs=1, heartbeat_seconds=0.2)

        assert outcomes == ["lease-lost"]
        assert svc.bodies("complete") == [] and svc.bodies("fail") == []
        assert not (tmp_path / "runs" / run.id / "output" / "adapter_model.safetensors").exists()


def test_bad_runs_are_failed_and_the_loop_keeps_polling(tiny_model, dataset_dir, tmp_path):
    with FakeService(TOKEN) as svc:
        missing_model = svc.enqueue(FakeRun(str(tmp_path / "no-such-model"), {},
                                            dataset_dir / "train.jsonl", dataset_dir / "test.jsonl"))
        missing_data = svc.enqueue(FakeRun(str(tiny_model), {}, tmp_path / "gone.jsonl", None))
        bad_param = svc.enqueue(FakeRun(str(tiny_model), {"learningRate": "fast"},
                                        dataset_dir / "train.jsonl", None))
        outcomes = run_serve(svc, tmp_path, max_runs=3)

        assert outcomes == ["failed", "failed", "failed"]
        reasons = {r.id: svc.bodies("fail", r.id) for r in (missing_model, missing_data, bad_param)}
        assert all(len(v) == 1 for v in reasons.values())
        assert "no-such-model" in reasons[missing_model.id][0]["reason"]
        assert "404" in reasons[missing_data.id][0]["reason"]
        assert "learningRate" in reasons[bad_param.id][0]["reason"]
        assert svc.bodies("complete") == []


def test_idle_polling_survives_a_service_outage(tmp_path):
    with FakeService(TOKEN) as svc:
        svc.fail_next = {"claim": 100}  # the service answers 503 for a while
        stop = threading.Event()
        client = ServiceClient(svc.url, TOKEN, "w", backoff=0.01, attempts=2)
        t = threading.Thread(target=serve, args=(client, TrainOptions()),
                             kwargs=dict(work_dir=tmp_path, poll_seconds=0.01, stop=stop), daemon=True)
        t.start()
        t.join(timeout=1.0)
        assert t.is_alive()  # still polling, not crashed
        svc.fail_next = {}
        stop.set()
        t.join(timeout=5)
        assert not t.is_alive()
        assert len(svc.bodies("claim")) > 2


def test_wrong_token_is_not_retried_forever(tmp_path):
    with FakeService(TOKEN) as svc:
        client = ServiceClient(svc.url, "wrong", "w", backoff=0.01)
        import requests
        with pytest.raises(requests.HTTPError):
            client.claim()
        assert len(svc.bodies("claim")) == 1


def test_long_loss_histories_are_thinned_for_the_complete_call():
    from qaforge_worker.service import thin_metrics

    history = [{"step": i, "loss": 1.0 / i} for i in range(1, 5001)]
    thinned = thin_metrics({"lossHistory": history, "after": {"correct": 1}}, max_points=1000)
    assert len(thinned["lossHistory"]) <= 1000
    assert thinned["lossHistory"][0]["step"] == 1 and thinned["lossHistory"][-1]["step"] == 5000
    assert thinned["after"] == {"correct": 1} and len(history) == 5000


def test_serve_command_line(tiny_model, dataset_dir, tmp_path, monkeypatch):
    """`qaforge-worker serve` wires its flags through: token, worker id, max runs, work dir."""
    from qaforge_worker.cli import main

    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tmp_path / "missing-model"), {}, dataset_dir / "train.jsonl", None))
        monkeypatch.setenv("QAFORGE_WORKER_TOKEN", TOKEN)
        code = main(["serve", "--service", svc.url, "--worker-id", "gpu-7", "--max-runs", "1",
                     "--poll-seconds", "0.05", "--work-dir", str(tmp_path / "runs")])
        assert code == 0
        assert svc.unauthorized == []
        assert svc.bodies("claim")[0] == {"workerId": "gpu-7", "leaseSeconds": 120}
        assert [b["workerId"] for b in svc.bodies("fail", run.id)] == ["gpu-7"]
