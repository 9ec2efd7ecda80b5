"""`qaforge-worker train ...` (standalone) and `qaforge-worker serve ...` (polls the qaforge service)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from dataclasses import MISSING, fields

from .options import TrainOptions

SERVE_EXCLUDED = {"dataset", "base_model", "output"}


def _add_options(parser: argparse.ArgumentParser, exclude: set[str] = frozenset(), required: set[str] = frozenset()):
    for f in fields(TrainOptions):
        if f.name in exclude:
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = str(f.type).replace(" ", "")
        default = None if f.default is MISSING else f.default
        help_ = f.metadata.get("help", "")
        if kind.startswith("bool"):
            parser.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=default, help=help_)
        else:
            conv = int if kind.startswith("int") else float if kind.startswith("float") else str
            parser.add_argument(flag, dest=f.name, type=conv, default=default, required=f.name in required,
                                help=help_ + (f" (default: {default})" if default not in (None, "") else ""))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qaforge-worker", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train one LoRA adapter on a Q/A chat dataset",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    _add_options(train, required={"dataset", "base_model", "output"})
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
    serve.add_argument("--work-dir", default=os.path.join(os.path.expanduser("~"), ".cache", "qaforge", "runs"),
                       help="runs are written to WORK_DIR/<run id>")
    serve.add_argument("--max-runs", type=int, default=0, help="exit after this many runs (0 = forever)")
    _add_options(serve.add_argument_group("run defaults (the service's params override them)"),
                 exclude=SERVE_EXCLUDED)
    return parser


def options_from_args(args: argparse.Namespace, exclude: set[str] = frozenset()) -> TrainOptions:
    return TrainOptions(**{f.name: getattr(args, f.name) for f in fields(TrainOptions) if f.name not in exclude})


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "train":
        from .train import run_training

        result = run_training(options_from_args(args), token=args.token)
        summary = {k: result["metrics"].get(k) for k in ("before", "after", "training")}
        print(json.dumps({"result": {"adapterUri": result["adapterUri"], **summary}}, default=str))
        return 0
    from .service import ServiceClient, serve

    if not args.token:
        print("serve needs --token or QAFORGE_WORKER_TOKEN", file=sys.stderr)
        return 2
    client = ServiceClient(args.service, args.token, args.worker_id)
    serve(client, options_from_args(args, SERVE_EXCLUDED), work_dir=args.work_dir, poll_seconds=args.poll_seconds,
          lease_seconds=args.lease_seconds, heartbeat_seconds=args.heartbeat_seconds, max_runs=args.max_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
