"""The worker API's HTTP client. Every call goes through `net.session` (retries, backoff, Retry-After)."""

from __future__ import annotations

import logging
from pathlib import Path

import requests

from ..net import session

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """409 from the service: this worker no longer holds the run (taken over, cancelled or finished)."""


class ServiceClient:
    def __init__(self, base_url: str, token: str, worker_id: str, *, timeout: float = 30.0,
                 upload_timeout: float = 600.0, attempts: int = 6, backoff: float = 1.0, max_backoff: float = 30.0):
        self.base = base_url.rstrip("/")
        self.worker_id = worker_id
        self.timeout, self.upload_timeout = timeout, upload_timeout
        self.http = session(token, attempts=attempts, backoff=backoff, max_backoff=max_backoff)
        self.http.headers["Accept"] = "application/json"

    def run_url(self, run_id: str, action: str) -> str:
        return f"{self.base}/api/worker/trainings/{run_id}/{action}"

    @staticmethod
    def _check(resp: requests.Response) -> requests.Response:
        if resp.status_code == 409:
            raise LeaseLost(resp.text[:500])
        resp.raise_for_status()
        return resp

    def _post(self, path: str, body: dict) -> requests.Response:
        return self._check(self.http.post(f"{self.base}/api/worker/trainings/{path}",
                                          json={"workerId": self.worker_id, **body}, timeout=self.timeout))

    def claim(self, lease_seconds: int = 120) -> dict | None:
        resp = self._post("claim", {"leaseSeconds": lease_seconds})
        return None if resp.status_code == 204 or not resp.content else resp.json()

    def heartbeat(self, run_id: str, progress: dict) -> dict:
        resp = self._post(f"{run_id}/heartbeat", progress)
        return resp.json() if resp.content else {}

    def complete(self, run_id: str, metrics: dict, report: dict, results: list[dict], recall: dict) -> None:
        self._post(f"{run_id}/complete", {"metrics": metrics, "report": report, "results": results, "recall": recall})

    def fail(self, run_id: str, reason: str) -> None:
        self._post(f"{run_id}/fail", {"reason": reason[:4000]})

    def release(self, run_id: str) -> None:
        """Give the run back (the worker is shutting down): it is queued again at once."""
        self._post(f"{run_id}/release", {})

    def exam(self, url: str) -> dict:
        return self._check(self.http.get(url, timeout=self.timeout)).json()

    def upload(self, artifact_url: str, kind: str, zip_path: Path) -> dict:
        """PUT one artifact zip (`adapter` or `merged`); 409 = lease lost, 413 = over the service's size limit."""
        with open(zip_path, "rb") as body:  # urllib3 rewinds the file for each retry
            resp = self.http.put(f"{artifact_url.rstrip('/')}/{kind}", params={"workerId": self.worker_id},
                                 data=body, headers={"Content-Type": "application/zip"}, timeout=self.upload_timeout)
        return self._check(resp).json()
