"""`qaforge-worker train ...` (standalone), `qaforge-worker serve ...` (polls the qaforge service) and
`qaforge-worker convert-gguf ...` (a GGUF checkpoint to a safetensors model directory)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading

from .options import SERVE_LOCAL, LocalOptions, TrainOptions, add_arguments, from_args

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qaforge-worker", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train one LoRA adapter on a Q/A chat dataset",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    add_arguments(train, LocalOptions, required={"base_model", "output"})
    add_arguments(train.add_argument_group("training"), TrainOptions)
    train.add_argument("--token", default=os.environ.get("QAFORGE_TOKEN"),
                       help="bearer token for an http(s) --dataset (default: env QAFORGE_TOKEN)")

    serve = sub.add_parser("serve", help="poll a qaforge service for queued training runs",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    serve.add_argument("--service", default=os.environ.get("QAFORGE_SERVICE_URL"),
                       required=not os.environ.get("QAFORGE_SERVICE_URL"),
                       help="service base URL, e.g. http://qaforge:8080 (default: env QAFORGE_SERVICE_URL)")
    serve.add_argument("--token", default=os.environ.get("QAFORGE_WORKER_TOKEN"),
                       help="worker bearer token (default: env QAFORGE_WORKER_TOKEN)")
    serve.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}")
    serve.add_argument("--poll-seconds", type=float, default=10.0, help="wait between claims when nothing is queued")
    serve.add_argument("--lease-seconds", type=int, default=120, help="lease asked for on claim")
    serve.add_argument("--heartbeat-seconds", type=float, default=15.0, help="heartbeat interval between steps")
    serve.add_argument("--work-dir", default=os.environ.get("QAFORGE_WORKER_STATE") or os.path.join(
                       os.path.expanduser("~"), ".cache", "qaforge", "runs"),
                       help="each run's data, checkpoints and output go to WORK_DIR/<run id> "
                            "(default: env QAFORGE_WORKER_STATE)")
    serve.add_argument("--max-runs", type=int, default=0, help="exit after this many runs (0 = forever)")
    add_arguments(serve, LocalOptions, only=SERVE_LOCAL)
    add_arguments(serve.add_argument_group("run defaults (the service's params override them)"), TrainOptions)

    convert = sub.add_parser("convert-gguf", help="dequantize a GGUF checkpoint into a safetensors model directory")
    convert.add_argument("gguf_file")
    convert.add_argument("output")
    return parser


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (docker stop) or SIGINT: give the current run back and exit; a second signal exits at once."""
    def handler(signum, _frame):
        log.warning("%s: releasing the current run and stopping", signal.Signals(signum).name)
        stop.set()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "convert-gguf":
        from .gguf import convert_gguf

        print(convert_gguf(args.gguf_file, args.output))
        return 0
    if args.command == "train":
        from .train import run_training

        local = from_args(LocalOptions, args)
        if not local.dataset and not (local.evaluate_only and local.eval_questions):
            parser.error("train needs --dataset (or --evaluate-only with --eval-questions)")
        result = run_training(from_args(TrainOptions, args), local, token=args.token)
        summary = {k: result.metrics.get(k) for k in ("before", "inContext", "after", "recall", "training")}
        print(json.dumps({"result": {"adapterUri": result.adapter_uri, **summary}}, default=str))
        return 0
    from .service import ServiceClient, serve

    if not args.token:
        print("serve needs --token or QAFORGE_WORKER_TOKEN", file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_signals(stop)
    client = ServiceClient(args.service, args.token, args.worker_id)
    serve(client, from_args(TrainOptions, args), from_args(LocalOptions, args), work_dir=args.work_dir,
          poll_seconds=args.poll_seconds, lease_seconds=args.lease_seconds, heartbeat_seconds=args.heartbeat_seconds,
          max_runs=args.max_runs, stop=stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
