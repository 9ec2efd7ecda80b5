"""Training options: one dataclass shared by the CLI (`--learning-rate`) and the service (`learningRate`)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field, fields


@dataclass
class TrainOptions:
    """Hyperparameters and evaluation settings. Defaults follow the reference recipe."""

    dataset: str = field(default="", metadata={"help": "dir with train.jsonl/test.jsonl, an http(s) export URL, or a Hub dataset repo id"})
    base_model: str = field(default="", metadata={"help": "local model dir or Hub model id"})
    output: str = field(default="", metadata={"help": "output dir (adapter, metrics.json, report.json, report.md, loss.png)"})

    epochs: float = field(default=1.0, metadata={"help": "training epochs"})
    max_steps: int = field(default=-1, metadata={"help": "stop after this many optimizer steps (overrides epochs when > 0)"})
    learning_rate: float = field(default=1e-4, metadata={"help": "peak learning rate"})
    lr_scheduler: str = field(default="cosine", metadata={"help": "LR schedule (transformers name); probe mode forces constant"})
    warmup_ratio: float = field(default=0.0, metadata={"help": "fraction of steps used for linear warm-up"})
    batch_size: int = field(default=1, metadata={"help": "rows per device per step"})
    gradient_accumulation: int = field(default=1, metadata={"help": "gradient accumulation steps"})
    max_length: int = field(default=512, metadata={"help": "max tokens per row (or per packed sequence)"})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA alpha"})
    lora_dropout: float = field(default=0.0, metadata={"help": "LoRA dropout"})
    target_modules: str = field(default="all-linear", metadata={"help": "LoRA target modules ('all-linear' or comma list)"})
    packing: bool = field(default=False, metadata={"help": "pack rows into max_length sequences (BFD, padding-free): much faster, fewer and larger steps"})
    neftune_noise_alpha: float | None = field(default=None, metadata={"help": "NEFTune embedding noise (e.g. 5); off by default"})
    gradient_checkpointing: bool | None = field(default=None, metadata={"help": "default: on with CUDA, off on CPU"})
    bf16: bool | None = field(default=None, metadata={"help": "default: on with CUDA (bf16-capable), fp32 on CPU"})
    attn_implementation: str = field(default="sdpa", metadata={"help": "attention kernel passed to from_pretrained"})
    seed: int = field(default=42, metadata={"help": "random seed"})
    logging_steps: int = field(default=1, metadata={"help": "log loss every N steps"})

    probe: bool = field(default=False, metadata={"help": "constant LR, evaluate often, report where eval loss turns up"})
    probe_epochs: float = field(default=5.0, metadata={"help": "epochs to run in probe mode"})
    probe_evals_per_epoch: int = field(default=4, metadata={"help": "eval-loss measurements per epoch in probe mode"})
    eval_loss: bool = field(default=True, metadata={"help": "compute eval loss on the test split after training (every epoch)"})

    eval_questions: str | None = field(default=None, metadata={"help": "extra JSONL of {question, answer} pairs to evaluate"})
    eval_limit: int = field(default=200, metadata={"help": "max questions evaluated (test split + extra file); 0 = skip evaluation"})
    eval_max_new_tokens: int = field(default=128, metadata={"help": "max tokens generated per answer"})
    eval_batch_size: int = field(default=8, metadata={"help": "questions generated per batch"})
    judge_base_url: str | None = field(default=None, metadata={"help": "OpenAI-compatible base URL for an LLM judge (e.g. https://api.openai.com/v1)"})
    judge_model: str | None = field(default=None, metadata={"help": "judge model name"})

    push_to_hub: str | None = field(default=None, metadata={"help": "push the adapter to this Hub repo (token from HF_TOKEN)"})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


# The service sends camelCase; a few friendly aliases are accepted too.
_ALIASES = {"lr": "learning_rate", "num_epochs": "epochs", "gradient_accumulation_steps": "gradient_accumulation",
            "lora_rank": "lora_r", "max_seq_length": "max_length"}
_FIELDS = {f.name: f for f in fields(TrainOptions)}
# Parameters a service may not set: where data and model come from and where files go are the worker's business.
_SERVICE_FORBIDDEN = {"dataset", "base_model", "output", "eval_questions"}


def _coerce(value, current_type: str):
    if value is None:
        return None
    t = current_type.replace(" ", "")
    if t.startswith("bool"):
        if isinstance(value, str):
            return value.strip().lower() in {"1", "true", "yes", "on"}
        return bool(value)
    if t.startswith("int"):
        return int(value)
    if t.startswith("float"):
        return float(value)
    return str(value)


def apply_params(options: TrainOptions, params: dict | None) -> tuple[TrainOptions, list[str]]:
    """Apply a service `params` object (camelCase or snake_case keys). Returns (options, ignored keys)."""
    ignored: list[str] = []
    updates = {}
    for key, value in (params or {}).items():
        name = _snake(key)
        name = _ALIASES.get(name, name)
        if name not in _FIELDS or name in _SERVICE_FORBIDDEN:
            ignored.append(key)
            continue
        try:
            updates[name] = _coerce(value, str(_FIELDS[name].type))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"parameter {key}={value!r}: {exc}") from exc
    return dataclasses.replace(options, **updates), ignored


def camel_name(name: str) -> str:
    return _camel(name)
