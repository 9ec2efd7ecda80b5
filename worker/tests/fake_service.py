"""An in-process fake of the qaforge service's worker API, on 127.0.0.1, speaking the contract of
worker/README.md ("Serve mode: the service contract"):

  POST /api/worker/trainings/claim              {"workerId","leaseSeconds"} -> 200 run | 204
       run: {"id","jobId","baseModel","params","datasetUrls":{"train","test"}|null,"examUrl","retentionExamUrl",
             "artifactUrl","evaluateOnly","attempt","leaseUntil"}
  GET  /api/worker/trainings/{id}/dataset?split=train|test   JSONL chat rows
  GET  /api/worker/trainings/{id}/exam          {"examId","name","questions":[{"id","question","answer","factId",
                                                 "direction","context"}]}
  GET  /api/worker/trainings/{id}/retention-exam   the same shape: questions answered closed book before and after
  POST /api/worker/trainings/{id}/heartbeat     {"workerId", progress...} -> {"cancelRequested","leaseUntil"} | 409
  PUT  /api/worker/trainings/{id}/artifacts/{adapter|merged}?workerId=  application/zip
                                                -> 201 {"kind","sha256","bytes"} | 409 lease-lost | 413
  POST /api/worker/trainings/{id}/complete      {"workerId","metrics","report","results","recall"}
  POST /api/worker/trainings/{id}/fail          {"workerId","reason"}
  POST /api/worker/trainings/{id}/release       {"workerId"} -> 200 (queued again at once) | 409
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeRun:
    base_model: str
    params: dict
    train: Path | None
    test: Path | None
    exam: list[dict] | None = None  # questions; None: the claim has no examUrl
    retention: list[dict] | None = None  # questions; None: the claim has no retentionExamUrl
    evaluate_only: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cancel_after_training_beats: int | None = None  # answer cancelRequested once this many training beats came
    lose_lease_after_training_beats: int | None = None  # answer 409 once this many training beats came
    lose_lease_on_upload: bool = False  # answer 409 to the artifact PUT
    max_artifact_bytes: int | None = None  # answer 413 past this size
    attempt: int = 0
    worker: str | None = None
    status: str = "QUEUED"
    artifacts: dict[str, bytes] = field(default_factory=dict)


class FakeService:
    def __init__(self, token: str = "worker-secret"):
        self.token = token
        self.queue: list[FakeRun] = []
        self.runs: dict[str, FakeRun] = {}
        self.calls: list[tuple[str, str, dict | None]] = []  # (method, path, body); artifact bodies as {"bytes": n}
        self.unauthorized: list[str] = []
        self.fail_next: dict[str, int] = {}  # endpoint kind -> how many 503s to answer first
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def enqueue(self, run: FakeRun) -> FakeRun:
        with self.lock:
            self.queue.append(run)
            self.runs[run.id] = run
        return run

    def bodies(self, kind: str, run_id: str | None = None) -> list[dict]:
        return [b for m, p, b in list(self.calls)
                if urlsplit(p).path.endswith("/" + kind) and (run_id is None or f"/{run_id}/" in p)]

    def _handler(self):
        svc = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict | None = None, content_type="application/json"):
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _problem(self, status: int, slug: str, detail: str = ""):
                self._send(status, {"type": f"https://qaforge.io/problems/{slug}", "title": slug, "status": status,
                                    "detail": detail}, "application/problem+json")

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {svc.token}":
                    svc.unauthorized.append(self.path)
                    self._problem(401, "unauthorized")
                    return False
                return True

            def _flaky(self, kind: str) -> bool:
                with svc.lock:
                    if svc.fail_next.get(kind, 0) > 0:
                        svc.fail_next[kind] -= 1
                        self._problem(503, "unavailable")
                        return True
                return False

            def _route(self):
                """(run, action, query) for /api/worker/trainings/{id}/{action...}; run None for claim."""
                parts = urlsplit(self.path)
                segments = parts.path.strip("/").split("/")
                if segments[:3] != ["api", "worker", "trainings"] or len(segments) < 4:
                    return None, None, {}
                if segments[3:] == ["claim"]:
                    return None, "claim", {}
                return svc.runs.get(segments[3]), "/".join(segments[4:]), parse_qs(parts.query)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):
                svc.calls.append(("GET", self.path, None))
                if not self._authorized():
                    return
                run, action, query = self._route()
                if run is None:
                    return self._problem(404, "not-found")
                if self._flaky(action):
                    return
                if action == "exam" and run.exam is not None:
                    return self._send(200, {"examId": "exam-" + run.id, "name": "fake exam", "questions": run.exam})
                if action == "retention-exam" and run.retention is not None:
                    return self._send(200, {"examId": "retention", "name": "fake retention", "questions": run.retention})
                split = (query.get("split") or [""])[0]
                path = getattr(run, split, None) if action == "dataset" and split in ("train", "test") else None
                if path is None or not Path(path).exists():
                    return self._problem(404, "not-found")
                data = Path(path).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_PUT(self):
                data = self._body()  # read it all first: a refusal mid-upload would reset the connection
                svc.calls.append(("PUT", self.path, {"bytes": len(data)}))
                if not self._authorized():
                    return
                run, action, query = self._route()
                kind = action.removeprefix("artifacts/") if action and action.startswith("artifacts/") else None
                if run is None or kind not in ("adapter", "merged"):
                    return self._problem(404, "not-found")
                if self._flaky("artifacts"):
                    return
                if run.lose_lease_on_upload or (query.get("workerId") or [None])[0] != run.worker:
                    return self._problem(409, "lease-lost")
                if run.max_artifact_bytes is not None and len(data) > run.max_artifact_bytes:
                    return self._problem(413, "artifact-too-large", f"over {run.max_artifact_bytes} bytes")
                run.artifacts[kind] = data
                self._send(201, {"kind": kind, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})

            def do_POST(self):
                body = json.loads(self._body() or b"{}")
                svc.calls.append(("POST", self.path, body))
                if not self._authorized():
                    return
                run, action, _ = self._route()
                if action == "claim":
                    if self._flaky("claim"):
                        return
                    with svc.lock:
                        run = svc.queue.pop(0) if svc.queue else None
                        if run is not None:
                            run.attempt += 1
                            run.worker, run.status = body.get("workerId"), "RUNNING"
                    if run is None:
                        return self._send(204)
                    base = f"{svc.url}/api/worker/trainings/{run.id}"
                    urls = None if run.train is None else {"train": f"{base}/dataset?split=train"}
                    if urls and run.test is not None:
                        urls["test"] = f"{base}/dataset?split=test"
                    return self._send(200, {"id": run.id, "jobId": None, "baseModel": run.base_model,
                                            "params": run.params, "datasetUrls": urls,
                                            "examUrl": f"{base}/exam" if run.exam is not None else None,
                                            "retentionExamUrl": f"{base}/retention-exam" if run.retention is not None
                                            else None,
                                            "artifactUrl": f"{base}/artifacts", "evaluateOnly": run.evaluate_only,
                                            "attempt": run.attempt, "leaseUntil": "2030-01-01T00:00:00Z"})
                if run is None:
                    return self._problem(404, "not-found")
                if self._flaky(action):
                    return
                if body.get("workerId") != run.worker or run.status != "RUNNING":
                    return self._problem(409, "lease-lost")
                if action == "heartbeat":
                    training_beats = sum(1 for b in svc.bodies("heartbeat", run.id) if b.get("phase") == "training")
                    if run.lose_lease_after_training_beats is not None and training_beats >= run.lose_lease_after_training_beats:
                        return self._problem(409, "lease-lost", "run is leased by another worker")
                    cancel = run.cancel_after_training_beats is not None and training_beats >= run.cancel_after_training_beats
                    return self._send(200, {"cancelRequested": cancel, "leaseUntil": "2030-01-01T00:00:00Z"})
                if action in ("complete", "fail"):
                    run.status = "COMPLETED" if action == "complete" else "FAILED"
                    return self._send(200)
                if action == "release":
                    with svc.lock:
                        run.status, run.worker = "QUEUED", None
                        svc.queue.insert(0, run)
                    return self._send(200)
                return self._problem(404, "not-found")

        return Handler
