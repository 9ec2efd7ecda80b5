"""The poll loop: claim a run, train or evaluate it, deliver the adapter and results; release on shutdown."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
import zipfile
from pathlib import Path

import requests

from .. import ranks
from ..data import load_from_urls, read_exam
from ..options import LocalOptions, RunOptions, apply_params
from ..progress import Reporter, RunStopped, release_memory
from ..report import thin_metrics
from .client import LeaseLost, ServiceClient
from .heartbeat import ServiceReporter

log = logging.getLogger(__name__)

# Stored as they are: compressing safetensors saves little and costs minutes on multi-GB merged models.
_STORED = (".safetensors", ".bin", ".pt", ".png")


def zip_files(files: list[Path], root: Path, dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w") as zf:
        for f in files:
            zf.write(f, f.relative_to(root).as_posix(),
                     compress_type=zipfile.ZIP_STORED if f.suffix in _STORED else zipfile.ZIP_DEFLATED)
    return dest


def artifact_zips(output: Path, merge: bool, dest: Path) -> dict[str, Path]:
    """`adapter`: the files at the output's root (what `PeftModel.from_pretrained` loads, the tokenizer and chat
    template, metrics.json, report.json); `merged`: the merged model directory."""
    dest.mkdir(parents=True, exist_ok=True)
    zips = {"adapter": zip_files(sorted(p for p in output.iterdir() if p.is_file()), output, dest / "adapter.zip")}
    if merge:
        merged = output / "merged"
        zips["merged"] = zip_files(sorted(p for p in merged.rglob("*") if p.is_file()), merged, dest / "merged.zip")
    return zips


class Undeliverable(Exception):
    """The service refused the result for good (e.g. 413: the adapter is over its size limit)."""


def deliver(client: ServiceClient, reporter: ServiceReporter, run_id: str, send, max_wait: float = 30.0):
    """Call `send` until it works. The session already retried; this outlasts a longer outage, while the
    heartbeat thread keeps the lease. Ends with LeaseLost (409, or a heartbeat found the lease gone) or
    Undeliverable (any other 4xx)."""
    wait = 1.0
    while True:
        if reporter.stop_reason == "lease-lost":
            raise LeaseLost("lease lost while delivering")
        try:
            return send()
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status is not None and 400 <= status < 500:
                raise Undeliverable(f"HTTP {status}: {exc.response.text[:500]}") from exc
            problem = exc
        except (requests.ConnectionError, requests.Timeout) as exc:
            problem = exc
        log.warning("run %s: delivery failed (%s); trying again in %.0fs", run_id, problem, wait)
        time.sleep(wait)
        wait = min(wait * 2, max_wait)


def run_claimed(client: ServiceClient, claim: dict, defaults: RunOptions, work_dir: Path,
                heartbeat_seconds: float = 15.0, local: LocalOptions | None = None,
                shutdown: threading.Event | None = None) -> str:
    """Take one claimed run to its end. Returns "completed", "failed", "cancelled", "released" or "lease-lost".

    Everything of the run lives in `<work_dir>/<run id>`: data, checkpoints and scores (so a re-claim on this
    machine resumes), output. It is removed once the run is completed, failed or cancelled; kept when the run
    was released, and when a finished result could not be delivered (its path is logged).

    With several processes every rank calls this with the same claim; only the main one talks to the service
    (heartbeats, data, upload, complete) and touches the run's directory. The others train and score their share
    and return "follower".
    """
    if not ranks.is_main():
        return _follow(claim, defaults, work_dir, local)
    from ..train import run_training

    run_id = str(claim["id"])
    run_dir = Path(work_dir) / run_id
    reporter = ServiceReporter(client, run_id, interval=heartbeat_seconds, shutdown=shutdown).start()
    reporter.phase("evaluating-before")  # first heartbeat right away: the service sees the run started
    finished = False  # a result exists: never throw it away
    keep = False
    try:
        options, run_local = _run_options(claim, defaults, run_dir, local)
        evaluate_only = run_local.evaluate_only
        log.info("run %s: attempt %s%s", run_id, claim.get("attempt", 1), " (evaluate only)" if evaluate_only else "")

        def fetch():
            urls = claim.get("datasetUrls") or {}
            data = load_from_urls(urls, run_dir / "data", client.http) if urls or not evaluate_only else None
            exam = read_exam(client.exam(claim["examUrl"])) if claim.get("examUrl") else None
            retention = read_exam(client.exam(claim["retentionExamUrl"])) \
                if claim.get("retentionExamUrl") and not evaluate_only else None
            return data, exam, retention

        data, exam, retention = ranks.from_main(fetch)  # the other ranks get the same rows
        ranks.check(reporter)
        result = run_training(options, run_local, reporter, data=data, exam=exam, state_dir=run_dir,
                              retention=retention)
        finished = True
        reporter.phase("uploading")
        reporter.flush()  # every phase reaches the service before complete
        if not evaluate_only:
            artifact_url = claim.get("artifactUrl") or client.run_url(run_id, "artifacts")
            for kind, path in artifact_zips(result.output, options.worker.merge, run_dir / "zips").items():
                stored = deliver(client, reporter, run_id, lambda: client.upload(artifact_url, kind, path))
                log.info("run %s: %s uploaded (%s bytes, sha256 %s)", run_id, kind, stored.get("bytes"),
                         stored.get("sha256"))
        deliver(client, reporter, run_id, lambda: client.complete(
            run_id, thin_metrics(result.metrics), result.report, result.results, result.recall))
        log.info("run %s: completed", run_id)
        return "completed"
    except (RunStopped, LeaseLost) as exc:
        reason = "lease-lost" if isinstance(exc, LeaseLost) or reporter.stop_reason == "lease-lost" else exc.reason
        if reason == "cancelled":
            _report_failure(client, run_id, "cancelled")
        elif reason == "released":
            keep = True
            try:
                client.release(run_id)
                log.info("run %s: released; checkpoints kept in %s", run_id, run_dir)
            except Exception as err:  # noqa: BLE001 - the lease will expire instead
                log.error("run %s: could not release: %s", run_id, err)
        elif finished:
            keep = True
            log.error("run %s: lease lost after training; the result stays in %s", run_id, run_dir / "output")
        else:
            log.warning("run %s: lease lost; abandoning it without reporting", run_id)
        return reason
    except Exception as exc:  # noqa: BLE001 - one bad run must never stop the worker
        log.exception("run %s failed", run_id)
        if reporter.stop_reason == "lease-lost":
            return "lease-lost"
        reason = f"{type(exc).__name__}: {exc}"
        if finished:
            keep = True
            log.error("run %s: the result could not be delivered; it stays in %s", run_id, run_dir / "output")
            reason = f"result not delivered ({reason}); kept on worker {client.worker_id}"
        _report_failure(client, run_id, reason)
        return "failed"
    finally:
        reporter.close()
        shutil.rmtree(run_dir / "data", ignore_errors=True)
        shutil.rmtree(run_dir / "zips", ignore_errors=True)
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        release_memory()


def _run_options(claim: dict, defaults: RunOptions, run_dir: Path, local: LocalOptions | None):
    """The run's options (the worker's defaults with the claim's params) and local configuration."""
    options, ignored = apply_params(defaults, claim.get("params"))
    if ignored and ranks.is_main():  # names only: a value may be a secret or a URL someone hoped the worker would call
        log.warning("run %s: ignoring params that are not training options: %s", claim["id"], ", ".join(sorted(ignored)))
    if not claim.get("baseModel"):
        raise ValueError("claim has no baseModel")
    options = options.for_run(claim["baseModel"], run_dir / "output")
    run_local = dataclasses.replace(local or LocalOptions(), dataset="", eval_questions=None, push_adapter_to=None,
                                    evaluate_only=bool(claim.get("evaluateOnly")))
    return options, run_local


def _follow(claim: dict, defaults: RunOptions, work_dir: Path, local: LocalOptions | None) -> str:
    """A non-main rank's part of a run: the same collectives as the main process, no service calls, no files."""
    from ..train import run_training

    try:
        options, run_local = _run_options(claim, defaults, Path(work_dir) / str(claim["id"]), local)
        data, exam, retention = ranks.from_main(lambda: None)
        ranks.check(Reporter())  # as the main process does: stop with it
        run_training(options, run_local, Reporter(), data=data, exam=exam, state_dir=Path(work_dir) / str(claim["id"]),
                     retention=retention)
    except Exception as exc:  # noqa: BLE001 - the main process reports the run's outcome
        log.info("run %s on rank %s ended: %s", claim.get("id"), ranks.state().process_index, exc)
    finally:
        release_memory()
    return "follower"


def _report_failure(client: ServiceClient, run_id: str, reason: str) -> None:
    try:
        client.fail(run_id, reason)
    except Exception as exc:  # noqa: BLE001
        log.error("run %s: could not report failure (%s): %s", run_id, reason, exc)


def serve(client: ServiceClient, defaults: RunOptions, local: LocalOptions | None = None, *,
          work_dir: str | Path, poll_seconds: float = 10.0, lease_seconds: int = 120, heartbeat_seconds: float = 15.0,
          max_runs: int = 0, stop: threading.Event | None = None) -> list[str]:
    """Poll for runs until `stop` is set or `max_runs` runs were handled. Returns each run's outcome.

    Setting `stop` during a run (SIGTERM/SIGINT in the CLI) gives the run back to the service at the next
    training step or evaluation batch, after a checkpoint.

    With several processes only the main one claims; it hands each claim (or "wait", or "stop") to every rank, so
    that all of them work on the same run.
    """
    stop = stop or threading.Event()
    outcomes: list[str] = []
    if ranks.is_main():
        log.info("worker %s polling %s with %d process(es)", client.worker_id, client.base, ranks.state().num_processes)
    while True:
        done = stop.is_set() or 0 < max_runs <= len(outcomes)
        claim = None
        if ranks.is_main() and not done:
            try:
                claim = client.claim(lease_seconds)
            except Exception as exc:  # noqa: BLE001 - the service may be restarting; keep polling
                log.warning("claim failed: %s", exc)
        done, claim = ranks.broadcast((done, claim))
        if done:
            return outcomes
        if claim is None:
            stop.wait(poll_seconds)
            continue
        if ranks.is_main():
            log.info("claimed run %s (base model %s)", claim.get("id"), claim.get("baseModel"))
        try:
            outcomes.append(run_claimed(client, claim, defaults, Path(work_dir), heartbeat_seconds, local, stop))
        except Exception:  # noqa: BLE001 - e.g. a claim without an id; never stop polling
            log.exception("could not handle claim %r", claim)
            outcomes.append("failed")
