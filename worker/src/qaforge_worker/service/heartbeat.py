"""Heartbeats from a background thread: the lease stays ours and the service sees progress, whatever the main
thread is doing (loading a model, a long evaluation or training step, uploading the adapter, completing)."""

from __future__ import annotations

import logging
import threading
import time

from ..progress import Reporter
from .client import LeaseLost, ServiceClient

log = logging.getLogger(__name__)


class ServiceReporter(Reporter):
    """Sends a heartbeat on progress (at most one a second) and at least every `interval` seconds.

    Every phase is sent at least once, in order, however short, and so is the state it ended in. A heartbeat
    answering `cancelRequested` or 409 sets `stop_reason` ("cancelled" / "lease-lost"); `shutdown` being set makes
    it "released".
    """

    def __init__(self, client: ServiceClient, run_id: str, interval: float = 15.0, min_interval: float = 1.0,
                 shutdown: threading.Event | None = None):
        super().__init__()
        self.client, self.run_id = client, run_id
        self.interval, self.min_interval = interval, min_interval
        self.shutdown = shutdown or threading.Event()
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._send = threading.Lock()  # one heartbeat at a time, so phases arrive in order
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{run_id}", daemon=True)
        self._pending: list[dict] = []
        self._sent: dict | None = None
        self._last = 0.0

    @property
    def stop_reason(self) -> str | None:
        return self._stop_reason or ("released" if self.shutdown.is_set() else None)

    @stop_reason.setter
    def stop_reason(self, reason: str | None) -> None:
        self._stop_reason = reason

    def start(self) -> "ServiceReporter":
        self._thread.start()
        return self

    def update(self, **fields) -> None:
        new_phase = "phase" in fields and fields["phase"] != self.snapshot.get("phase")
        if new_phase:
            # A phase change queues the phase that ends, as it ended (a short training's last step and loss would
            # otherwise never be sent), then the new phase's own snapshot.
            with self._lock:
                ending = dict(self.snapshot)
                if ending["phase"] is not None and ending not in (self._sent, *self._pending[-1:]):
                    self._pending.append(ending)
        super().update(**fields)
        if new_phase:
            with self._lock:
                self._pending.append(dict(self.snapshot))
            self._wake.set()

    def changed(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(timeout=self.interval)
            if self._closed.is_set():
                break
            wait = self.min_interval - (time.monotonic() - self._last)
            if wait > 0 and self._closed.wait(wait):
                break
            self._wake.clear()
            self._beat_next()
            if self._pending:
                self._wake.set()

    def _beat_next(self) -> None:
        with self._send:
            with self._lock:
                progress = self._pending.pop(0) if self._pending else dict(self.snapshot)
            self._beat(progress)

    def _beat(self, progress: dict) -> None:
        self._last, self._sent = time.monotonic(), progress
        try:
            answer = self.client.heartbeat(self.run_id, progress)
            if answer.get("cancelRequested") and not self._stop_reason:
                log.info("run %s: cancel requested", self.run_id)
                self._stop_reason = "cancelled"
        except LeaseLost:
            log.warning("run %s: lease lost (another worker holds it); stopping", self.run_id)
            self._stop_reason = "lease-lost"
        except Exception as exc:  # noqa: BLE001 - the service is away; keep working, the next beat retries
            log.warning("run %s: heartbeat failed: %s", self.run_id, exc)

    def flush(self) -> None:
        """Send the phases not reported yet, now (still at most one a second); the thread keeps beating."""
        while self._pending and self._stop_reason != "lease-lost":
            time.sleep(max(0.0, self.min_interval - (time.monotonic() - self._last)))
            self._beat_next()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._wake.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=self.client.timeout + 5)
