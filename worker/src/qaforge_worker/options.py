"""Every option is declared once, here: its name, type, default and help, and where it goes in TRL's `SFTConfig`.

The CLI flag (`--learning-rate`), the service param (`learningRate`), its coercion and its `SFTConfig` argument
are all derived from that one declaration.

Two kinds of options:
- `TrainOptions`: hyperparameters and evaluation knobs. A CLI flag of `train` and `serve`, and a param the service
  may send for one run.
- `LocalOptions`: where data, models and files are, and where credentials go (judge endpoint, Hub repo). The
  worker's own configuration only (CLI flags, environment): a run's params can never set them, because a caller of
  the service API must not choose where the worker sends its secrets or what it reads and writes.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import typing
from dataclasses import dataclass, field, fields

from .mixing import ORDERS

log = logging.getLogger(__name__)


def option(default, help: str, sft: str | None = None, env: str | None = None):
    """A dataclass field; `sft` names the `SFTConfig` argument it sets as is, `env` an environment default."""
    metadata = {"help": help}
    if sft:
        metadata["sft"] = sft
    if env:
        metadata["env"] = env
    return field(default=default, metadata=metadata)


@dataclass
class TrainOptions:
    """Hyperparameters and evaluation settings. Defaults follow the recipe known to make small models memorise a
    document: batch 1, lr 1e-4, cosine, LoRA r=16/alpha=32 on all linear layers."""

    epochs: float = option(1.0, "training epochs", sft="num_train_epochs")
    max_steps: int = option(-1, "stop after this many optimizer steps (overrides epochs when > 0)", sft="max_steps")
    learning_rate: float = option(1e-4, "peak learning rate", sft="learning_rate")
    lr_scheduler: str = option("cosine", "LR schedule (transformers name); probe mode forces constant")
    warmup_ratio: float = option(0.0, "fraction of steps used for linear warm-up")
    batch_size: int = option(1, "rows per device per step", sft="per_device_train_batch_size")
    gradient_accumulation: int = option(1, "gradient accumulation steps", sft="gradient_accumulation_steps")
    max_length: int = option(512, "max tokens per row (or per packed sequence)", sft="max_length")
    lora_r: int = option(16, "LoRA rank")
    lora_alpha: int = option(32, "LoRA alpha")
    lora_dropout: float = option(0.0, "LoRA dropout")
    target_modules: str = option("all-linear", "LoRA target modules ('all-linear' or comma list)")
    packing: bool = option(False, "pack rows into max_length sequences (BFD, padding-free): much faster, fewer and "
                                  "larger steps", sft="packing")
    neftune_noise_alpha: float | None = option(None, "NEFTune embedding noise (e.g. 5); off by default",
                                               sft="neftune_noise_alpha")
    gradient_checkpointing: bool | None = option(None, "default: on with CUDA, off on CPU")
    bf16: bool | None = option(None, "default: on with CUDA (bf16-capable), fp32 on CPU")
    attn_implementation: str = option("sdpa", "attention kernel passed to from_pretrained")
    seed: int = option(42, "random seed", sft="seed")
    logging_steps: int = option(1, "log loss every N steps", sft="logging_steps")
    save_steps: float | None = option(None, "checkpoint every N steps (a value below 1 is a fraction of the run); "
                                            "default: every 10 %% of the run")
    study_order: str = option("cpt-then-sft", "how study passages (text rows) meet the pairs: 'cpt-then-sft' (all "
                                              "text epochs, then the pairs'; won bench/real-recall.py --study), or "
                                              "'interleaved' in one shuffled stream")
    study_ratio: float | None = option(None, "interleaved: text rows per chat row in each epoch (0.01 to 100); "
                                             "default: every text row once")

    probe: bool = option(False, "constant LR, evaluate often, report where eval loss turns up")
    probe_epochs: float = option(5.0, "epochs to run in probe mode")
    probe_evals_per_epoch: int = option(4, "eval-loss measurements per epoch in probe mode")
    eval_loss: bool = option(True, "compute eval loss on the test split after training (every epoch)")

    eval_limit: int = option(200, "max exam questions scored (0 = skip evaluation)")
    eval_max_new_tokens: int = option(128, "max tokens generated per answer")
    eval_batch_size: int = option(8, "questions generated per batch")
    judge: bool = option(True, "grade answers with the worker's configured LLM judge too (when one is configured)")
    merge: bool = option(False, "also save (and in serve mode upload) the base model with the adapter merged in")

    def __post_init__(self):
        # transformers 5 reads a warm-up of 1 or more as a number of steps: a share must stay below 1.
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio (warmupRatio) must be a share of the run from 0 up to, but not "
                             f"including, 1: {self.warmup_ratio!r}")
        if self.study_order not in ORDERS:
            raise ValueError(f"study_order (studyOrder) must be one of {', '.join(ORDERS)}: {self.study_order!r}")
        if self.study_ratio is not None and not 0.01 <= self.study_ratio <= 100:
            raise ValueError(f"study_ratio (studyRatio) must be from 0.01 to 100: {self.study_ratio!r}")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass
class LocalOptions:
    """The worker's own configuration: never taken from a run's params."""

    dataset: str = option("", "dir with train.jsonl/test.jsonl, an http(s) export URL, or a Hub dataset repo id")
    base_model: str = option("", "local model dir or Hub model id")
    output: str = option("", "output dir (adapter, metrics.json, report.json, report.md, loss.png)")
    eval_questions: str | None = option(None, "JSONL exam: {question, answer[, id, factId, direction, context]} "
                                              "per line, scored before the test split's pairs")
    evaluate_only: bool = option(False, "score before and in-context only: no training, no adapter")
    judge_base_url: str | None = option(None, "OpenAI-compatible base URL of an LLM judge "
                                               "(key from JUDGE_API_KEY or OPENAI_API_KEY)",
                                        env="QAFORGE_JUDGE_BASE_URL")
    judge_model: str | None = option(None, "judge model name", env="QAFORGE_JUDGE_MODEL")
    push_to_hub: str | None = option(None, "push the adapter to this Hub repo (token from HF_TOKEN)")


SERVE_LOCAL = ("judge_base_url", "judge_model")  # the LocalOptions `serve` has; the rest belong to one run

_HINTS = {cls: typing.get_type_hints(cls) for cls in (TrainOptions, LocalOptions)}
_BOOL_WORDS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def _value_type(cls, name: str) -> type:
    """bool, int, float or str: the annotation without its `| None`."""
    hint = _HINTS[cls][name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args else hint


def _coerce(kind: type, value):
    if value is None:
        return None
    if kind is bool:
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word not in _BOOL_WORDS:
            raise ValueError(f"not a boolean: {value!r}")
        return _BOOL_WORDS[word]
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ValueError(f"not an integer: {value!r}")
    if kind in (int, float) and isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return kind(value)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


def add_arguments(parser, cls, only: typing.Iterable[str] | None = None, required: typing.Iterable[str] = ()):
    """One flag per field of `cls` (all, or those in `only`); booleans get `--x/--no-x`."""
    required = set(required)
    for f in fields(cls):
        if only is not None and f.name not in only:
            continue
        kind = _value_type(cls, f.name)
        default = os.environ.get(f.metadata["env"], f.default) if "env" in f.metadata else f.default
        help_ = f.metadata["help"] + (f" (env {f.metadata['env']})" if "env" in f.metadata else "")
        if kind is bool:
            parser.add_argument(flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction, default=default,
                                help=help_)
        else:
            parser.add_argument(flag(f.name), dest=f.name, type=lambda v, k=kind: _coerce(k, v), default=default,
                                required=f.name in required, help=help_)


def from_args(cls, args: argparse.Namespace):
    return cls(**{f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)})


_TRAIN_FIELDS = {camel(f.name): f.name for f in fields(TrainOptions)}


def _snake_to_camel(key: str) -> str:
    return camel(key) if "_" in key else key


def apply_params(options: TrainOptions, params: dict | None) -> tuple[TrainOptions, list[str]]:
    """Apply a run's `params` (camelCase names of TrainOptions fields; snake_case accepted).

    Returns (options, ignored names). Anything that is not a training option is ignored: unknown names, and
    names of the worker's local configuration (endpoints, credentials, paths, repos), which a run must not steer.
    A bad value fails with a message naming the param.
    """
    updates, ignored = {}, []
    for key, value in (params or {}).items():
        name = _TRAIN_FIELDS.get(_snake_to_camel(key))
        if name is None:
            ignored.append(key)
            continue
        try:
            updates[name] = _coerce(_value_type(TrainOptions, name), value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"parameter {key}={value!r}: {exc}") from exc
    return dataclasses.replace(options, **updates), ignored


def sft_arguments(options: TrainOptions) -> dict:
    """The SFTConfig arguments taken as they are from declared options (`sft=` in their declaration)."""
    return {f.metadata["sft"]: getattr(options, f.name) for f in fields(TrainOptions) if "sft" in f.metadata}
