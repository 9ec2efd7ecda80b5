"""Progress: a TrainerCallback that feeds a reporter (stdout standalone, heartbeats in serve mode)."""

from __future__ import annotations

import json
import sys
import threading
import time

from transformers import TrainerCallback

from . import ranks


class RunStopped(Exception):
    """Raised when a run must stop early: reason is "cancelled", "lease-lost" or "released" (the worker is
    shutting down and gives the run back)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Reporter:
    """Holds the latest progress snapshot. Subclasses decide where it goes."""

    FIELDS = ("step", "totalSteps", "loss", "evalLoss", "learningRate", "tokensPerSecond", "etaSeconds",
              "gpuMemoryMb", "phase")

    def __init__(self):
        self._lock = threading.Lock()
        self.snapshot: dict = dict.fromkeys(self.FIELDS)
        self.stop_reason: str | None = None

    def update(self, **fields) -> None:
        with self._lock:
            self.snapshot.update({k: v for k, v in fields.items() if k in self.FIELDS})
        self.changed()

    def phase(self, name: str) -> None:
        self.update(phase=name)

    def current(self) -> dict:
        with self._lock:
            return dict(self.snapshot)

    def changed(self) -> None:  # hook
        pass

    def check(self) -> None:
        """Raise RunStopped if the run should stop (between evaluation batches, after training)."""
        if self.stop_reason:
            raise RunStopped(self.stop_reason)


class StdoutReporter(Reporter):
    """One JSON line per training step (at most every `min_interval` s) and one per phase change."""

    def __init__(self, stream=None, min_interval: float = 1.0):
        super().__init__()
        self.stream = stream or sys.stdout
        self.min_interval = min_interval
        self._last = 0.0
        self._last_phase = None

    def changed(self) -> None:
        snap = self.current()
        now = time.monotonic()
        new_phase = snap["phase"] != self._last_phase
        last_step = snap["step"] is not None and snap["step"] == snap["totalSteps"]
        if new_phase or last_step or now - self._last >= self.min_interval:
            self._last, self._last_phase = now, snap["phase"]
            print(json.dumps({"progress": {k: v for k, v in snap.items() if v is not None}}), file=self.stream, flush=True)


def gpu_memory_mb() -> float | None:
    """Peak GPU memory of this run (the counter is reset when a run starts: `release_memory`)."""
    import torch

    if not torch.cuda.is_available():
        return None
    return round(torch.cuda.max_memory_allocated() / 2**20, 1)


def release_memory() -> None:
    """Between runs: free what the last run's model and trainer held (they sit in reference cycles) and give
    cached CUDA blocks back, then restart the peak-memory counter so the next run reports its own peak."""
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


class ProgressCallback(TrainerCallback):
    """Reports step/total, loss, eval loss, LR, tokens/s, ETA and GPU memory; stops training when asked to."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter
        self.t0 = None
        self.tokens0 = 0
        self.step0 = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.t0 = time.monotonic()
        self.tokens0 = state.num_input_tokens_seen or 0
        self.step0 = state.global_step
        self.reporter.update(phase="training", step=state.global_step, totalSteps=state.max_steps)

    def on_step_end(self, args, state, control, **kwargs):
        elapsed = max(time.monotonic() - (self.t0 or time.monotonic()), 1e-9)
        done = state.global_step - self.step0
        tokens = (state.num_input_tokens_seen or 0) - self.tokens0
        eta = elapsed / done * (state.max_steps - state.global_step) if done else None
        self.reporter.update(step=state.global_step, totalSteps=state.max_steps,
                             tokensPerSecond=round(tokens / elapsed, 1) if tokens else None,
                             etaSeconds=round(eta, 1) if eta is not None else None, gpuMemoryMb=gpu_memory_mb())
        reason = ranks.stop_reason(self.reporter)  # the main process's, so that every rank stops at the same step
        if reason:
            control.should_training_stop = True
            # Given back on shutdown: checkpoint this step, so the next claim on this machine resumes from it.
            control.should_save = reason == "released"
        return control

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        fields = {}
        if "loss" in logs:
            fields["loss"] = float(logs["loss"])
        if "learning_rate" in logs:
            fields["learningRate"] = float(logs["learning_rate"])
        for key in ("eval_loss", "eval_test_loss"):  # the test split's, alone or beside early stopping's held-out set
            if key in logs:
                fields["evalLoss"] = float(logs[key])
        if fields:
            self.reporter.update(**fields)
