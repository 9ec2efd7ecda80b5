"""`qaforge-worker train ...` (standalone), `qaforge-worker serve ...` (polls the qaforge service) and
`qaforge-worker convert-gguf ...` (a GGUF checkpoint to a safetensors model directory)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import socket
import sys
import threading

from . import ranks
from .options import SERVE_LOCAL, LocalOptions, make_parser, parse

log = logging.getLogger(__name__)


COMMANDS = {"train": "train one LoRA adapter on a Q/A chat dataset",
            "serve": "poll a qaforge service for queued training runs",
            "convert-gguf": "dequantize a GGUF checkpoint into a safetensors model directory"}


def build_parser(command: str):
    """`train` and `serve` take TRL's own flags (SFTConfig, ModelConfig: `--learning_rate`, `--use_liger_kernel`,
    `--load_in_4bit`, ... and `--config recipe.yaml`) plus the worker's; `serve`'s are its runs' defaults, which the
    service's params override. The base model is `--model_name_or_path`, the output `--output_dir`."""
    if command == "convert-gguf":
        parser = argparse.ArgumentParser(prog="qaforge-worker convert-gguf", description=COMMANDS[command])
        parser.add_argument("gguf_file")
        parser.add_argument("output")
        return parser
    parser = make_parser(local=command == "train", prog=f"qaforge-worker {command}", description=COMMANDS[command])
    if command == "train":
        parser.add_argument("--token", default=os.environ.get("QAFORGE_TOKEN"),
                            help="bearer token for an http(s) --dataset (default: env QAFORGE_TOKEN)")
        return parser
    parser.add_argument("--service", default=os.environ.get("QAFORGE_SERVICE_URL"),
                        required=not os.environ.get("QAFORGE_SERVICE_URL"),
                        help="service base URL, e.g. http://qaforge:8080 (default: env QAFORGE_SERVICE_URL)")
    parser.add_argument("--token", default=os.environ.get("QAFORGE_WORKER_TOKEN"),
                        help="worker bearer token (default: env QAFORGE_WORKER_TOKEN)")
    parser.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--poll-seconds", type=float, default=10.0, help="wait between claims when nothing is queued")
    parser.add_argument("--lease-seconds", type=int, default=120, help="lease asked for on claim")
    parser.add_argument("--heartbeat-seconds", type=float, default=15.0, help="heartbeat interval between steps")
    parser.add_argument("--work-dir", default=os.environ.get("QAFORGE_WORKER_STATE") or os.path.join(
                        os.path.expanduser("~"), ".cache", "qaforge", "runs"),
                        help="each run's data, checkpoints and output go to WORK_DIR/<run id> "
                             "(default: env QAFORGE_WORKER_STATE)")
    parser.add_argument("--max-runs", type=int, default=0, help="exit after this many runs (0 = forever)")
    for f in dataclasses.fields(LocalOptions):
        if f.name in SERVE_LOCAL:
            parser.add_argument(f"--{f.name}", default=f.default_factory(), help=f.metadata["help"])
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
    argv = list(sys.argv[1:] if argv is None else argv)
    top = argparse.ArgumentParser(prog="qaforge-worker", description=__doc__)
    top.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    top.add_argument("command", choices=COMMANDS, help="; ".join(f"{k}: {v}" for k, v in COMMANDS.items()))
    top.add_argument("args", nargs=argparse.REMAINDER, help="the command's flags (COMMAND --help lists them)")
    head = top.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if head.verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = build_parser(head.command)
    if head.command == "convert-gguf":
        from .gguf import convert_gguf

        args = parser.parse_args(head.args)
        print(convert_gguf(args.gguf_file, args.output))
        return 0
    options, rest = parse(parser, head.args)
    try:
        return _run(head.command, parser, options, rest)
    finally:
        ranks.close()


def _run(command: str, parser, options, rest) -> int:
    if command == "train":
        from .progress import Reporter
        from .train import run_training

        local, args = rest
        if not options.model.model_name_or_path:
            parser.error("--model_name_or_path (the base model) is required")
        if not options.sft.output_dir or options.sft.output_dir == "trainer_output":
            parser.error("--output_dir is required")
        if not local.dataset and not (local.evaluate_only and local.eval_questions):
            parser.error("train needs --dataset (or --evaluate_only with --eval_questions)")
        result = run_training(options, local, None if ranks.is_main() else Reporter(), token=args.token)
        if ranks.is_main():
            summary = {k: result.metrics.get(k) for k in ("before", "inContext", "after", "recall", "training")}
            print(json.dumps({"result": {"adapterUri": result.adapter_uri, **summary}}, default=str))
        return 0
    from .service import ServiceClient, serve

    (args,) = rest
    if not args.token:
        print("serve needs --token or QAFORGE_WORKER_TOKEN", file=sys.stderr)
        return 2
    stop = threading.Event()
    _stop_on_signals(stop)
    client = ServiceClient(args.service, args.token, args.worker_id)
    local = LocalOptions(**{name: getattr(args, name) for name in SERVE_LOCAL})
    serve(client, options, local, work_dir=args.work_dir, poll_seconds=args.poll_seconds,
          lease_seconds=args.lease_seconds, heartbeat_seconds=args.heartbeat_seconds, max_runs=args.max_runs, stop=stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
