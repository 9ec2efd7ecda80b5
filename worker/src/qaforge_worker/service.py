"""Serve mode: claim queued training runs from the qaforge service, heartbeat, complete or fail them.

Contract (all calls carry `Authorization: Bearer <worker token>`, JSON bodies, camelCase):
  POST /api/worker/trainings/claim             {"workerId","leaseSeconds"} -> 200 run | 204 nothing queued
  GET  <datasetUrls.train|test>                JSONL chat rows
  POST /api/worker/trainings/{id}/heartbeat    {"workerId", step, totalSteps, ..., "phase"}
                                               -> 200 {"cancelRequested","leaseUntil"} | 409 lease lost
  POST /api/worker/trainings/{id}/complete     {"workerId","metrics","report","adapterUri"}
  POST /api/worker/trainings/{id}/fail         {"workerId","reason"}   (reason "cancelled" after a cancel)
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from pathlib import Path

import requests

from .data import load_from_urls
from .options import TrainOptions, apply_params
from .progress import Reporter, RunStopped

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """409 from the service: another worker holds this run now."""


class ServiceClient:
    def __init__(self, base_url: str, token: str, worker_id: str, *, timeout: float = 30.0,
                 attempts: int = 6, backoff: float = 1.0, max_backoff: float = 30.0):
        self.base = base_url.rstrip("/")
        self.token = token
        self.worker_id = worker_id
        self.timeout, self.attempts, self.backoff, self.max_backoff = timeout, attempts, backoff, max_backoff
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def _post(self, path: str, body: dict) -> requests.Response:
        """POST with retries on connection errors, timeouts, 429 and 5xx (exponential backoff)."""
        url = f"{self.base}/api/worker/trainings/{path}"
        body = {"workerId": self.worker_id, **body}
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                resp = self.session.post(url, json=body, timeout=self.timeout)
                if resp.status_code < 500 and resp.status_code != 429:
                    return resp
                problem = f"HTTP {resp.status_code}"
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if attempt == self.attempts:
                raise ConnectionError(f"POST {url} failed after {attempt} attempts: {problem}")
            log.warning("POST %s: %s; retrying in %.1fs", path, problem, delay)
            time.sleep(delay)
            delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")

    @staticmethod
    def _check(resp: requests.Response) -> requests.Response:
        if resp.status_code == 409:
            raise LeaseLost(resp.text[:500])
        resp.raise_for_status()
        return resp

    def claim(self, lease_seconds: int = 120) -> dict | None:
        resp = self._check(self._post("claim", {"leaseSeconds": lease_seconds}))
        return None if resp.status_code == 204 or not resp.content else resp.json()

    def heartbeat(self, run_id: str, progress: dict) -> dict:
        resp = self._check(self._post(f"{run_id}/heartbeat", progress))
        return resp.json() if resp.content else {}

    def complete(self, run_id: str, metrics: dict, report: dict, adapter_uri: str) -> None:
        self._check(self._post(f"{run_id}/complete", {"metrics": metrics, "report": report, "adapterUri": adapter_uri}))

    def fail(self, run_id: str, reason: str) -> None:
        self._check(self._post(f"{run_id}/fail", {"reason": reason[:4000]}))


class ServiceReporter(Reporter):
    """Sends heartbeats from a background thread: on progress (at most one a second) and at least every
    `interval` seconds even when no step finishes (model loading, long evaluation, a slow step)."""

    def __init__(self, client: ServiceClient, run_id: str, interval: float = 15.0, min_interval: float = 1.0):
        super().__init__()
        self.client, self.run_id = client, run_id
        self.interval, self.min_interval = interval, min_interval
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)
        self._pending: list[dict] = []
        self._last = 0.0
        self.sent = 0

    def start(self) -> "ServiceReporter":
        self._thread.start()
        return self

    def update(self, **fields) -> None:
        # Every phase is reported at least once, however short: a phase change queues its own snapshot.
        new_phase = "phase" in fields and fields["phase"] != self.snapshot.get("phase")
        super().update(**fields)
        if new_phase:
            with self._lock:
                self._pending.append(dict(self.snapshot))

    def changed(self) -> None:
        self._wake.set()

    def _next(self) -> dict:
        with self._lock:
            return self._pending.pop(0) if self._pending else dict(self.snapshot)

    def _loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(timeout=self.interval)
            if self._closed.is_set():
                break
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0 and self._closed.wait(wait):
                break
            self._wake.clear()
            self.beat(self._next())
            if self._pending:
                self._wake.set()

    def beat(self, progress: dict | None = None) -> None:
        self._last = time.monotonic()
        try:
            answer = self.client.heartbeat(self.run_id, progress if progress is not None else self.current())
            self.sent += 1
            if answer.get("cancelRequested"):
                if not self.stop_reason:
                    log.info("run %s: cancel requested", self.run_id)
                self.stop_reason = self.stop_reason or "cancelled"
        except LeaseLost:
            log.warning("run %s: lease lost (another worker holds it); stopping", self.run_id)
            self.stop_reason = "lease-lost"
        except Exception as exc:  # the service is away; keep training, the next beat retries
            log.warning("run %s: heartbeat failed: %s", self.run_id, exc)

    def close(self, flush: bool = False) -> None:
        """Stop the thread; with flush, first send the phases not reported yet (still at most one a second)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=self.client.timeout + 5)
        while flush and self._pending and self.stop_reason != "lease-lost":
            time.sleep(max(0.0, self.min_interval - (time.monotonic() - self._last)))
            self.beat(self._next())


def run_claimed(client: ServiceClient, claim: dict, defaults: TrainOptions, work_dir: Path,
                heartbeat_seconds: float = 15.0) -> str:
    """Train one claimed run and report its end. Returns "completed", "failed", "cancelled" or "lease-lost"."""
    from .train import run_training

    run_id = str(claim["id"])
    run_dir = Path(work_dir) / run_id
    reporter = ServiceReporter(client, run_id, interval=heartbeat_seconds).start()
    reporter.phase("evaluating-before")  # first heartbeat right away: the service sees the run started
    try:
        options, ignored = apply_params(defaults, claim.get("params"))
        if ignored:
            log.warning("run %s: ignoring unknown params %s", run_id, ignored)
        if not claim.get("baseModel"):
            raise ValueError("claim has no baseModel")
        options = dataclasses.replace(options, base_model=claim["baseModel"], output=str(run_dir / "output"),
                                      dataset=(claim.get("datasetUrls") or {}).get("train", ""))
        data = load_from_urls(claim.get("datasetUrls") or {}, run_dir / "data", client.token)
        reporter.check()
        result = run_training(options, reporter, data=data)
        reporter.close(flush=True)
        if reporter.stop_reason == "lease-lost":
            raise RunStopped("lease-lost")
        client.complete(run_id, thin_metrics(result["metrics"]), result["report"], result["adapterUri"])
        log.info("run %s: completed (%s)", run_id, result["adapterUri"])
        return "completed"
    except (RunStopped, LeaseLost) as exc:
        reason = exc.reason if isinstance(exc, RunStopped) else "lease-lost"
        if reporter.stop_reason == "lease-lost":
            reason = "lease-lost"
        if reason == "cancelled":
            _report_failure(client, run_id, "cancelled")
        else:
            log.warning("run %s: lease lost; abandoning it without reporting", run_id)
        return reason
    except Exception as exc:  # noqa: BLE001 - one bad run must never stop the worker
        log.exception("run %s failed", run_id)
        if reporter.stop_reason == "lease-lost":
            return "lease-lost"
        _report_failure(client, run_id, f"{type(exc).__name__}: {exc}")
        return "failed"
    finally:
        reporter.close()
        shutil.rmtree(run_dir / "data", ignore_errors=True)


def thin_metrics(metrics: dict, max_points: int = 1000) -> dict:
    """Keep the complete call small on long runs: at most `max_points` loss points (always the last one)."""
    out = dict(metrics)
    for key in ("lossHistory", "evalLossHistory"):
        points = metrics.get(key) or []
        if len(points) > max_points:
            stride = -(-len(points) // max_points)
            kept = points[::stride]
            out[key] = kept if kept[-1] is points[-1] else kept[:-1] + [points[-1]]
    return out


def _report_failure(client: ServiceClient, run_id: str, reason: str) -> None:
    try:
        client.fail(run_id, reason)
    except Exception as exc:  # noqa: BLE001
        log.error("run %s: could not report failure (%s): %s", run_id, reason, exc)


def serve(client: ServiceClient, defaults: TrainOptions, *, work_dir: str | Path, poll_seconds: float = 10.0,
          lease_seconds: int = 120, heartbeat_seconds: float = 15.0, max_runs: int = 0,
          stop: threading.Event | None = None) -> list[str]:
    """Poll for runs until `stop` is set or `max_runs` runs were handled. Returns each run's outcome."""
    stop = stop or threading.Event()
    outcomes: list[str] = []
    log.info("worker %s polling %s", client.worker_id, client.base)
    while not stop.is_set() and (max_runs <= 0 or len(outcomes) < max_runs):
        try:
            claim = client.claim(lease_seconds)
        except Exception as exc:  # noqa: BLE001 - the service may be restarting; keep polling
            log.warning("claim failed: %s", exc)
            claim = None
        if claim is None:
            stop.wait(poll_seconds)
            continue
        log.info("claimed run %s (base model %s)", claim.get("id"), claim.get("baseModel"))
        try:
            outcomes.append(run_claimed(client, claim, defaults, Path(work_dir), heartbeat_seconds))
        except Exception:  # noqa: BLE001 - e.g. a claim without an id; never stop polling
            log.exception("could not handle claim %r", claim)
            outcomes.append("failed")
    return outcomes
