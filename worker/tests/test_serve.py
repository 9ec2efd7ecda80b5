"""`serve` end to end against an in-process fake of the service's worker API."""

import gc
import io
import json
import logging
import threading
import warnings
import zipfile

import pytest
import requests

from conftest import PAIRS, exam, wait_until
from fake_service import FakeRun, FakeService
from qaforge_worker.options import LocalOptions, defaults
from qaforge_worker.service import ServiceClient, serve

TOKEN = "worker-secret"
FAST = {"learningRate": 3e-3, "maxSteps": 200, "loggingSteps": 5}
QUICK = {"learningRate": 1e-3, "maxSteps": 10, "evalLoss": False}


def client_for(svc: FakeService, **kw) -> ServiceClient:
    return ServiceClient(svc.url, TOKEN, "test-worker", backoff=0.05, **kw)


def run_serve(svc, tmp_path, max_runs, heartbeat_seconds=0.5, local=None, **kw):
    return serve(client_for(svc), defaults(), local, work_dir=tmp_path / "runs", poll_seconds=0.05,
                 heartbeat_seconds=heartbeat_seconds, max_runs=max_runs, **kw)


def unzip(data: bytes, dest):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        zf.extractall(dest)
    return dest


def test_a_phase_too_short_for_a_heartbeat_still_reports_how_it_ended():
    from qaforge_worker.service.heartbeat import ServiceReporter

    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun("model", {}, None, None, worker="test-worker", status="RUNNING"))
        reporter = ServiceReporter(client_for(svc), run.id, interval=60).start()
        reporter.phase("training")
        for step in range(1, 201):  # a whole training inside the one-second spacing of heartbeats
            reporter.update(step=step, totalSteps=200, loss=2.0 / step)
        reporter.phase("evaluating-after")
        reporter.flush()
        reporter.close()

        beats = [(b["phase"], b.get("step"), b.get("loss")) for b in svc.bodies("heartbeat", run.id)]
        phases = [phase for phase, _, _ in beats]
        assert beats[phases.index("evaluating-after") - 1] == ("training", 200, 0.01)


def test_claim_train_heartbeat_upload_complete(tiny_model, dataset_dir, tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with FakeService(TOKEN) as svc:
        svc.fail_next = {"claim": 1, "complete": 1, "artifacts": 1, "dataset": 1, "exam": 1}  # transient 503s
        retention = [{"id": "r1", "question": "What is the capital of France?", "answer": "Paris."},
                     {"id": "r2", "question": "How many legs does a spider have?", "answer": "Eight."}]
        run = svc.enqueue(FakeRun(str(tiny_model), {**FAST, "loraR": 8, "unknownKnob": 1},
                                  dataset_dir / "train.jsonl", dataset_dir / "test.jsonl", exam=exam(),
                                  retention=retention))
        outcomes = run_serve(svc, tmp_path, max_runs=1)

        assert outcomes == ["completed"]
        assert svc.unauthorized == []
        gets = [p for m, p, _ in svc.calls if m == "GET"]
        assert gets.count(f"/api/worker/trainings/{run.id}/dataset?split=train") == 2  # one 503, retried
        assert f"/api/worker/trainings/{run.id}/dataset?split=test" in gets
        beats = svc.bodies("heartbeat", run.id)
        phases = [b["phase"] for b in beats]
        order = ["evaluating-before", "evaluating-in-context", "evaluating-retention-before", "training",
                 "evaluating-after", "evaluating-retention-after", "saving", "uploading"]
        assert [p for p in dict.fromkeys(phases)] == order  # each phase, in this order
        assert all(b["workerId"] == "test-worker" for b in beats)
        training = [b for b in beats if b["phase"] == "training" and b["step"]]
        assert training and training[-1]["totalSteps"] == 200
        assert {"loss", "learningRate", "tokensPerSecond", "etaSeconds", "gpuMemoryMb", "evalLoss"} <= set(training[-1])
        assert training[-1]["loss"] is not None and training[-1]["tokensPerSecond"] > 0

        # The adapter arrived as a zip that PEFT loads, with tokenizer, chat template and the run's reports.
        puts = [p for m, p, _ in svc.calls if m == "PUT"]
        assert puts[-1] == f"/api/worker/trainings/{run.id}/artifacts/adapter?workerId=test-worker"
        assert set(run.artifacts) == {"adapter"}
        adapter = unzip(run.artifacts["adapter"], tmp_path / "adapter")
        assert {"adapter_model.safetensors", "adapter_config.json", "tokenizer.json", "chat_template.jinja",
                "metrics.json", "report.json"} <= {p.name for p in adapter.iterdir()}
        assert json.loads((adapter / "adapter_config.json").read_text())["r"] == 8  # params applied
        model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), adapter)
        assert model.peft_config["default"].r == 8
        assert AutoTokenizer.from_pretrained(adapter).chat_template

        completes = svc.bodies("complete", run.id)
        assert len(completes) == 2  # the first got a 503 and was retried
        done = completes[-1]
        assert set(done) == {"workerId", "metrics", "report", "results", "recall"}
        metrics = done["metrics"]
        assert metrics["before"]["total"] == 5 and metrics["after"]["total"] == 5
        assert metrics["after"]["correct"] > metrics["before"]["correct"]
        assert len(done["report"]["questions"]) == 5

        results = done["results"]
        by_phase = {p: [r for r in results if r["phase"] == p] for p in ("before", "inContext", "after")}
        assert [r["questionId"] for r in by_phase["before"]] == ["e1", "e2", "e3", "e4", "e5"]
        assert [r["questionId"] for r in by_phase["inContext"]] == ["e1", "e2", "e3", "e4"]  # e5 has no context
        assert len(by_phase["after"]) == 5
        retained = [r for r in results if r["phase"] in ("retentionBefore", "retentionAfter")]
        assert [(r["questionId"], r["phase"]) for r in retained] == [
            ("r1", "retentionBefore"), ("r2", "retentionBefore"), ("r1", "retentionAfter"), ("r2", "retentionAfter")]
        assert len(results) == 14 + 4
        assert set(results[0]) == {"questionId", "phase", "answer", "keyFacts", "exactMatch", "tokenF1", "contained",
                                   "judge"}
        assert all(r["judge"] is None for r in results)  # no judge configured on this worker
        recall = done["recall"]
        assert recall["before"]["questions"] == 5 and recall["inContext"]["questions"] == 4
        assert recall["after"]["contained"] > recall["before"]["contained"]
        assert set(recall["after"]["byDirection"]) == {"forward", "reverse"}
        assert recall["after"]["byDirection"]["forward"]["questions"] == 3
        assert set(recall["recoveryRatioBy"]) == {"keyFacts", "exactMatch", "tokenF1", "contained", "judge"}
        assert recall["recoveryRatio"] == recall["recoveryRatioBy"]["keyFacts"] and recall["recoveryRatioMetric"] == "keyFacts"
        retention_rates = recall["retention"]
        assert retention_rates["questions"] == 2 and retention_rates["metric"] == "keyFacts"
        assert 0 <= retention_rates["before"] <= 1 and 0 <= retention_rates["after"] <= 1
        assert done["report"]["generation"]["repetitionPenalty"] == 1.0 and done["report"]["generation"]["doSample"] is False
        assert svc.bodies("fail") == []
        assert not (tmp_path / "runs" / run.id).exists()  # delivered: nothing left on the worker


def test_evaluate_only_scores_before_and_in_context_without_training(tiny_model, tmp_path):
    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), {"evalMaxNewTokens": 8}, None, None, exam=exam(),
                                  evaluate_only=True))
        assert run_serve(svc, tmp_path, max_runs=1) == ["completed"]

        assert [m for m, _, _ in svc.calls if m == "PUT"] == []  # no adapter
        assert "training" not in {b["phase"] for b in svc.bodies("heartbeat", run.id)}
        done = svc.bodies("complete", run.id)[-1]
        assert {r["phase"] for r in done["results"]} == {"before", "inContext"}
        assert done["recall"]["after"] is None and done["recall"]["recoveryRatio"] is None
        assert done["recall"]["inContext"]["questions"] == 4
        assert done["metrics"]["training"] is None


def test_merge_uploads_a_merged_model_too(tiny_model, dataset_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), {**QUICK, "merge": True}, dataset_dir / "train.jsonl", None,
                                  exam=exam()))
        assert run_serve(svc, tmp_path, max_runs=1) == ["completed"]
        assert set(run.artifacts) == {"adapter", "merged"}
        merged = unzip(run.artifacts["merged"], tmp_path / "merged")
        assert not (merged / "adapter_config.json").exists()
        model = AutoModelForCausalLM.from_pretrained(merged)  # plain transformers, no PEFT
        assert not any("lora" in name for name, _ in model.named_parameters())


def test_lease_lost_on_upload_keeps_the_result(tiny_model, dataset_dir, tmp_path, caplog):
    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), QUICK, dataset_dir / "train.jsonl", None, exam=exam(),
                                  lose_lease_on_upload=True))
        assert run_serve(svc, tmp_path, max_runs=1) == ["lease-lost"]
        assert svc.bodies("complete") == [] and svc.bodies("fail") == []
        output = tmp_path / "runs" / run.id / "output"
        assert (output / "adapter_model.safetensors").exists() and (output / "report.json").exists()
        assert str(output) in caplog.text


def test_adapter_over_the_size_limit_fails_the_run_and_keeps_the_result(tiny_model, dataset_dir, tmp_path):
    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), QUICK, dataset_dir / "train.jsonl", None, exam=exam(),
                                  max_artifact_bytes=1000))
        assert run_serve(svc, tmp_path, max_runs=1) == ["failed"]
        puts = [p for m, p, _ in svc.calls if m == "PUT"]
        assert len(puts) == 1  # a 413 is not retried
        [failure] = svc.bodies("fail", run.id)
        assert "413" in failure["reason"] and "test-worker" in failure["reason"]
        assert (tmp_path / "runs" / run.id / "output" / "adapter_model.safetensors").exists()


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
        no_vllm = svc.enqueue(FakeRun(str(tiny_model), {"evalEngine": "vllm"}, dataset_dir / "train.jsonl", None))
        outcomes = run_serve(svc, tmp_path, max_runs=4)

        assert outcomes == ["failed", "failed", "failed", "failed"]
        reasons = {r.id: svc.bodies("fail", r.id) for r in (missing_model, missing_data, bad_param, no_vllm)}
        assert all(len(v) == 1 for v in reasons.values())
        assert "no-such-model" in reasons[missing_model.id][0]["reason"]
        assert "404" in reasons[missing_data.id][0]["reason"]
        assert "learningRate" in reasons[bad_param.id][0]["reason"]
        assert "vLLM is not installed on this worker" in reasons[no_vllm.id][0]["reason"]
        assert svc.bodies("complete") == []


def test_params_cannot_choose_where_the_worker_sends_its_secrets(tiny_model, dataset_dir, tmp_path, caplog,
                                                                 monkeypatch):
    """Endpoint, credential, path and repo params are ignored (their names logged, never their values): the
    judge key goes to the worker's own judge only, nothing reaches a caller-chosen URL, nothing is pushed."""
    received = {"attacker": [], "judge": []}

    def listener(name, grade="CORRECT"):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received[name].append((self.path, self.headers.get("Authorization")))
                data = json.dumps({"choices": [{"message": {"content": grade}}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST

        server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/v1"

    attacker, attacker_url = listener("attacker")
    judge, judge_url = listener("judge")
    monkeypatch.setenv("JUDGE_API_KEY", "judge-key")
    monkeypatch.setenv("HF_TOKEN", "hf-secret")
    hostile = {"judgeBaseUrl": attacker_url, "judgeModel": "evil-model", "pushToHub": "attacker/stolen",
               "output": str(tmp_path / "elsewhere"), "dataset": attacker_url, "baseModel": attacker_url,
               "evalQuestions": "/etc/passwd", "judge_base_url": attacker_url, "hubToken": "x"}
    try:
        with FakeService(TOKEN) as svc:
            run = svc.enqueue(FakeRun(str(tiny_model), {**QUICK, "evalMaxNewTokens": 4, **hostile},
                                      dataset_dir / "train.jsonl", None, exam=exam()[:2]))
            local = LocalOptions(judge_base_url=judge_url, judge_model="grader")
            with caplog.at_level(logging.WARNING):
                assert run_serve(svc, tmp_path, max_runs=1, local=local) == ["completed"]
            done = svc.bodies("complete", run.id)[-1]
    finally:
        for server in (attacker, judge):
            server.shutdown()
            server.server_close()

    assert received["attacker"] == []
    assert received["judge"] and all(r == ("/v1/chat/completions", "Bearer judge-key") for r in received["judge"])
    assert all(r["judge"] is True for r in done["results"])  # graded by the worker's own judge
    assert not (tmp_path / "elsewhere").exists()
    warning = [r.getMessage() for r in caplog.records if "ignoring params" in r.getMessage()]
    assert warning and all(name in warning[0] for name in hostile)
    assert attacker_url not in caplog.text and "evil-model" not in caplog.text and "/etc/passwd" not in caplog.text


def test_models_are_freed_between_runs(tiny_model, dataset_dir, tmp_path):
    from transformers import PreTrainedModel

    def live_models():
        gc.collect()
        with warnings.catch_warnings():  # isinstance on every object touches deprecated torch attributes
            warnings.simplefilter("ignore")
            return sum(1 for o in gc.get_objects() if isinstance(o, PreTrainedModel))

    before = live_models()
    with FakeService(TOKEN) as svc:
        svc.enqueue(FakeRun(str(tiny_model), QUICK, dataset_dir / "train.jsonl", None, exam=exam()))
        svc.enqueue(FakeRun(str(tmp_path / "missing"), QUICK, dataset_dir / "train.jsonl", None))
        assert run_serve(svc, tmp_path, max_runs=2) == ["completed", "failed"]
    assert live_models() == before


def test_sigterm_releases_the_run_and_the_next_claim_resumes_from_its_checkpoint(tiny_model, dataset_dir, tmp_path):
    """`docker stop`: the worker checkpoints, gives the run back at once and exits; claimed again on this machine,
    the run resumes from that checkpoint instead of starting over."""
    import os
    import signal
    import subprocess
    import sys

    with FakeService(TOKEN) as svc:
        run = svc.enqueue(FakeRun(str(tiny_model), {**QUICK, "maxSteps": 300, "evalMaxNewTokens": 4},
                                  dataset_dir / "train.jsonl", None, exam=exam()[:2]))
        worker = subprocess.Popen(
            [sys.executable, "-m", "qaforge_worker", "serve", "--service", svc.url, "--token", TOKEN,
             "--worker-id", "w1", "--work-dir", str(tmp_path / "runs"), "--heartbeat-seconds", "0.2",
             "--poll-seconds", "0.05"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "OMP_NUM_THREADS": "1"})
        try:
            wait_until(lambda: any((b.get("step") or 0) >= 5 for b in svc.bodies("heartbeat", run.id)), timeout=120)
            worker.send_signal(signal.SIGTERM)
            log = worker.communicate(timeout=60)[0]
        finally:
            worker.kill()
        assert worker.returncode == 0, log[-3000:]
        assert svc.bodies("release", run.id) == [{"workerId": "w1"}]
        assert svc.bodies("complete") == [] and svc.bodies("fail") == []
        checkpoints = list((tmp_path / "runs" / run.id).glob("checkpoints-*/checkpoint-*"))  # keyed by the options
        assert len(checkpoints) == 1
        released_at = int(checkpoints[0].name.split("-")[1])
        assert 5 <= released_at < 300

        assert run_serve(svc, tmp_path, max_runs=1, heartbeat_seconds=0.2) == ["completed"]  # the same machine
        done = svc.bodies("complete", run.id)[-1]
        assert done["metrics"]["training"]["resumedFromStep"] == released_at
        assert done["metrics"]["training"]["steps"] == 300
        assert run.attempt == 2


def test_idle_polling_survives_a_service_outage(tmp_path):
    with FakeService(TOKEN) as svc:
        svc.fail_next = {"claim": 100}  # the service answers 503 for a while
        stop = threading.Event()
        client = ServiceClient(svc.url, TOKEN, "w", backoff=0.01, attempts=2)
        t = threading.Thread(target=serve, args=(client, defaults()),
                             kwargs=dict(work_dir=tmp_path, poll_seconds=0.01, stop=stop), daemon=True)
        t.start()
        wait_until(lambda: len(svc.bodies("claim")) > 6)  # several failed rounds of retries ...
        assert t.is_alive()  # ... and still polling, not crashed
        svc.fail_next = {}
        claims = len(svc.bodies("claim"))
        wait_until(lambda: len(svc.bodies("claim")) > claims + 1)  # answered (204) and polling on
        stop.set()
        t.join(timeout=5)
        assert not t.is_alive()


def test_wrong_token_is_not_retried_forever(tmp_path):
    with FakeService(TOKEN) as svc:
        client = ServiceClient(svc.url, "wrong", "w", backoff=0.01)
        with pytest.raises(requests.HTTPError):
            client.claim()
        assert len(svc.bodies("claim")) == 1


def test_long_loss_histories_are_thinned_for_the_complete_call():
    from qaforge_worker.report import thin_metrics

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
