"""An in-process fake of the qaforge service's worker API (the contract in service.py), on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class FakeRun:
    base_model: str
    params: dict
    train: Path | None
    test: Path | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    cancel_after_training_beats: int | None = None  # answer cancelRequested once this many training beats came
    lose_lease_after_training_beats: int | None = None  # answer 409 once this many training beats came


class FakeService:
    def __init__(self, token: str = "worker-secret"):
        self.token = token
        self.queue: list[FakeRun] = []
        self.runs: dict[str, FakeRun] = {}
        self.calls: list[tuple[str, str, dict | None]] = []  # (method, path, body)
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
        self.queue.append(run)
        self.runs[run.id] = run
        return run

    def bodies(self, kind: str, run_id: str | None = None) -> list[dict]:
        return [b for m, p, b in self.calls if p.endswith("/" + kind) and (run_id is None or f"/{run_id}/" in p)]

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

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {svc.token}":
                    svc.unauthorized.append(self.path)
                    self._send(401, {"title": "Unauthorized", "status": 401}, "application/problem+json")
                    return False
                return True

            def _flaky(self, kind: str) -> bool:
                with svc.lock:
                    if svc.fail_next.get(kind, 0) > 0:
                        svc.fail_next[kind] -= 1
                        self._send(503, {"title": "Service Unavailable", "status": 503}, "application/problem+json")
                        return True
                return False

            def do_GET(self):
                svc.calls.append(("GET", self.path, None))
                if not self._authorized():
                    return
                # /data/<run id>/<split>.jsonl
                parts = self.path.strip("/").split("/")
                run = svc.runs.get(parts[1]) if len(parts) == 3 and parts[0] == "data" else None
                split = parts[2].removesuffix(".jsonl") if run else None
                path = getattr(run, split, None) if split in ("train", "test") else None
                if path is None or not Path(path).exists():
                    return self._send(404, {"title": "Not Found", "status": 404})
                data = Path(path).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/jsonl")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                svc.calls.append(("POST", self.path, body))
                if not self._authorized():
                    return
                parts = self.path.strip("/").split("/")  # api worker trainings ...
                if parts[:3] != ["api", "worker", "trainings"]:
                    return self._send(404, {"title": "Not Found"})
                if parts[3:] == ["claim"]:
                    if self._flaky("claim"):
                        return
                    with svc.lock:
                        run = svc.queue.pop(0) if svc.queue else None
                    if run is None:
                        return self._send(204)
                    urls = {"train": f"{svc.url}/data/{run.id}/train.jsonl"}
                    if run.test is not None:
                        urls["test"] = f"{svc.url}/data/{run.id}/test.jsonl"
                    return self._send(200, {"id": run.id, "baseModel": run.base_model, "params": run.params,
                                            "datasetUrls": urls, "leaseUntil": "2030-01-01T00:00:00Z"})
                run = svc.runs.get(parts[3]) if len(parts) == 5 else None
                if run is None:
                    return self._send(404, {"title": "Not Found"})
                kind = parts[4]
                if self._flaky(kind):
                    return
                if kind == "heartbeat":
                    training_beats = sum(1 for b in svc.bodies("heartbeat", run.id) if b.get("phase") == "training")
                    if run.lose_lease_after_training_beats is not None and training_beats >= run.lose_lease_after_training_beats:
                        return self._send(409, {"title": "Lease lost", "status": 409,
                                                "detail": "run is leased by another worker"}, "application/problem+json")
                    cancel = run.cancel_after_training_beats is not None and training_beats >= run.cancel_after_training_beats
                    return self._send(200, {"cancelRequested": cancel, "leaseUntil": "2030-01-01T00:00:00Z"})
                if kind in ("complete", "fail"):
                    return self._send(200, {"status": "ok"})
                return self._send(404, {"title": "Not Found"})

        return Handler
