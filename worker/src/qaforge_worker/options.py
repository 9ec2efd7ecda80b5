"""A run's options are TRL's own dataclasses, parsed by `TrlParser`: `SFTConfig` (the trainer), `ModelConfig`
(loading, LoRA, quantization), plus the worker's `WorkerOptions` (evaluation, probe, early stopping). Every TRL flag
therefore works on the CLI as TRL documents it (`--learning_rate`, `--use_liger_kernel`, `--load_in_4bit`, ...).

A run's params from the service are a short allowlist, `PARAMS`: camelCase names mapped onto fields of those
dataclasses, each with its range and the worker's default (the reference recipe). The service's
`TrainingParams.java` holds the same list; a test there reads this table, so the two stay in step. No param
chooses a path, URL, credential or code to run (`attnImplementation` names only kernels that ship with torch or
flash-attn: a Hub kernel repo would run its code on the worker).

`LocalOptions` is the worker's own configuration (data, where credentials go): never taken from a run's params.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Literal


def _help(text: str, default=None, env: str | None = None):
    """A dataclass field with TrlParser's help text; `env` names an environment variable that overrides the default."""
    if env:
        return field(default_factory=lambda: os.environ.get(env, default), metadata={"help": f"{text} (env {env})"})
    return field(default=default, metadata={"help": text})


@dataclass
class WorkerOptions:
    """What the worker adds around TRL's trainer: the probe schedule, early stopping, the exam's evaluation."""

    probe: bool = _help("constant LR, evaluate often, report where eval loss turns up", False)
    probe_epochs: float = _help("epochs to run in probe mode", 5.0)
    probe_evals_per_epoch: int = _help("eval-loss measurements per epoch in probe mode", 4)
    eval_loss: bool = _help("compute eval loss on the test split (every epoch)", True)
    early_stopping_patience: int = _help(
        "stop when the loss on a held-out slice of the training rows has not improved for this many evaluations "
        "(one per epoch); the best adapter is kept. 0 = off", 0)
    eval_limit: int = _help("max exam questions scored (0 = skip evaluation)", 200)
    eval_max_new_tokens: int = _help("max tokens generated per answer", 128)
    eval_batch_size: int = _help("questions generated per batch", 8)
    eval_engine: Literal["transformers", "vllm"] = _help(
        "what generates the exam's answers: 'transformers', or 'vllm' (the optional extra; the adapter as a LoRA "
        "request)", "transformers")
    judge: bool = _help("grade answers with the worker's configured LLM judge too (when one is configured)", True)
    merge: bool = _help("also save (and in serve mode upload) the base model with the adapter merged in", False)
    study_order: Literal["cpt-then-sft", "interleaved"] = _help(
        "how study passages (text rows) meet the pairs: 'cpt-then-sft' (all text epochs, then the pairs'; won "
        "bench/real-recall.py --study), or 'interleaved' in one shuffled stream", "cpt-then-sft")
    study_ratio: float | None = _help("interleaved: text rows per chat row in each epoch (0.01 to 100); default: "
                                      "every text row once")


@dataclass
class LocalOptions:
    """The worker's own configuration: never taken from a run's params. The base model is
    `--model_name_or_path` and the output directory `--output_dir` (TRL's flags)."""

    dataset: str = _help("dir with train.jsonl/test.jsonl, an http(s) export URL, or a Hub dataset repo id", "")
    eval_questions: str | None = _help("JSONL exam: {question, answer[, id, factId, direction, context, passages]} "
                                       "per line, scored before the test split's pairs")
    evaluate_only: bool = _help("score before and in-context only: no training, no adapter", False)
    judge_base_url: str | None = _help("OpenAI-compatible base URL of an LLM judge (key from JUDGE_API_KEY or "
                                       "OPENAI_API_KEY)", env="QAFORGE_JUDGE_BASE_URL")
    judge_model: str | None = _help("judge model name", env="QAFORGE_JUDGE_MODEL")
    push_adapter_to: str | None = _help("push the adapter to this Hub repo (token from HF_TOKEN)")


SERVE_LOCAL = ("judge_base_url", "judge_model")  # the LocalOptions `serve` has; the rest belong to one run


# --- the service's params -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    kind: type  # bool, int, float or str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    below_high: bool = False  # the high end itself is excluded

    def check(self, value):
        """The value as the field's type, or ValueError saying what is allowed."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ValueError("must be true or false")
            return value
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices) or \
                    (self.pattern and not re.fullmatch(self.pattern, value)):
                raise ValueError(f"must be one of {', '.join(self.choices)}" if self.choices else "is not allowed")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (self.kind is int and not float(value).is_integer()):
            raise ValueError(f"must be {'an integer' if self.kind is int else 'a number'}")
        if not (self.low <= value <= self.high) or (self.below_high and value >= self.high):
            raise ValueError(f"must be from {self.low} {'up to, but not including,' if self.below_high else 'to'} "
                             f"{self.high}")
        return self.kind(value)


def number(low: float, high: float, below_high: bool = False) -> Rule:
    return Rule(float, low, high, below_high=below_high)


def integer(low: int, high: int) -> Rule:
    return Rule(int, low, high)


def choice(*choices: str) -> Rule:
    return Rule(str, choices=choices)


BOOL = Rule(bool)
TARGET_MODULES = Rule(str, pattern=r"all-linear|[A-Za-z0-9_.]{1,100}(,[A-Za-z0-9_.]{1,100}){0,49}")


@dataclass(frozen=True)
class Param:
    target: str  # "sft" (SFTConfig), "model" (ModelConfig) or "worker" (WorkerOptions)
    field: str
    default: Any  # the reference recipe's value; None: TRL's default, or decided by the worker (see train.py)
    rule: Rule
    convert: Callable[[Any], Any] | None = None


def _save_steps(value: float) -> float:
    """transformers reads a save_steps below 1 as a fraction of the run, else as a number of steps."""
    if value >= 1 and not value.is_integer():
        raise ValueError("must be a fraction of the run below 1, or a whole number of steps")
    return value


def _modules(value: str):
    return value if value == "all-linear" else [m.strip() for m in value.split(",")]


# One line per param, `"name": Param(target, field, default, rule)`: TrainingParamsTest.java reads these lines.
PARAMS: dict[str, Param] = {
    "epochs": Param("sft", "num_train_epochs", 1.0, number(0.01, 1000)),
    "maxSteps": Param("sft", "max_steps", -1, integer(-1, 1_000_000)),
    "learningRate": Param("sft", "learning_rate", 1e-4, number(1e-9, 1)),
    "lrScheduler": Param("sft", "lr_scheduler_type", "cosine", choice(
        "linear", "cosine", "cosine_with_restarts", "cosine_with_min_lr", "polynomial", "constant",
        "constant_with_warmup", "inverse_sqrt", "warmup_stable_decay")),
    # transformers 5 reads a warm-up of 1 or more as a number of steps: a share of the run stays below 1.
    "warmupRatio": Param("sft", "warmup_steps", 0.0, number(0, 1, below_high=True)),
    "batchSize": Param("sft", "per_device_train_batch_size", 1, integer(1, 1024)),
    "gradientAccumulation": Param("sft", "gradient_accumulation_steps", 1, integer(1, 1024)),
    "maxLength": Param("sft", "max_length", 512, integer(16, 131_072)),
    "packing": Param("sft", "packing", False, BOOL),
    "neftuneNoiseAlpha": Param("sft", "neftune_noise_alpha", None, number(0, 100)),
    "gradientCheckpointing": Param("sft", "gradient_checkpointing", False, BOOL),
    "bf16": Param("sft", "bf16", None, BOOL),
    "optim": Param("sft", "optim", "adamw_torch_fused", choice("adamw_torch", "adamw_torch_fused", "adafactor",
                                                                "adamw_8bit", "paged_adamw_8bit")),
    "weightDecay": Param("sft", "weight_decay", 0.0, number(0, 1)),
    "maxGradNorm": Param("sft", "max_grad_norm", 1.0, number(0, 1000)),
    "useLigerKernel": Param("sft", "use_liger_kernel", False, BOOL),
    "torchCompile": Param("sft", "torch_compile", False, BOOL),
    "seed": Param("sft", "seed", 42, integer(0, 4_294_967_295)),
    "loggingSteps": Param("sft", "logging_steps", 1, integer(1, 10_000)),
    "saveSteps": Param("sft", "save_steps", 0.1, number(0.001, 1_000_000), _save_steps),
    "loraR": Param("model", "lora_r", 16, integer(1, 1024)),
    "loraAlpha": Param("model", "lora_alpha", 32, integer(1, 4096)),
    "loraDropout": Param("model", "lora_dropout", 0.0, number(0, 0.99)),
    "targetModules": Param("model", "lora_target_modules", "all-linear", TARGET_MODULES, _modules),
    "useDora": Param("model", "use_dora", False, BOOL),
    "useRslora": Param("model", "use_rslora", False, BOOL),
    "loadIn4bit": Param("model", "load_in_4bit", False, BOOL),
    "attnImplementation": Param("model", "attn_implementation", "sdpa", choice("sdpa", "eager", "flash_attention_2")),
    "probe": Param("worker", "probe", False, BOOL),
    "probeEpochs": Param("worker", "probe_epochs", 5.0, number(0.01, 100)),
    "probeEvalsPerEpoch": Param("worker", "probe_evals_per_epoch", 4, integer(1, 100)),
    "evalLoss": Param("worker", "eval_loss", True, BOOL),
    "earlyStoppingPatience": Param("worker", "early_stopping_patience", 0, integer(0, 1000)),
    "evalLimit": Param("worker", "eval_limit", 200, integer(0, 100_000)),
    "evalMaxNewTokens": Param("worker", "eval_max_new_tokens", 128, integer(1, 4096)),
    "evalBatchSize": Param("worker", "eval_batch_size", 8, integer(1, 1024)),
    "evalEngine": Param("worker", "eval_engine", "transformers", choice("transformers", "vllm")),
    "judge": Param("worker", "judge", True, BOOL),
    "merge": Param("worker", "merge", False, BOOL),
    "studyOrder": Param("worker", "study_order", "cpt-then-sft", choice("interleaved", "cpt-then-sft")),
    "studyRatio": Param("worker", "study_ratio", None, number(0.01, 100)),
}


# Worker options that change how the exam is scored or what is saved, not the weights trained.
_SCORING_ONLY = ("eval_limit", "eval_max_new_tokens", "eval_batch_size", "eval_engine", "judge", "merge")


@dataclass
class RunOptions:
    """One run's configuration: TRL's dataclasses plus the worker's."""

    sft: Any  # trl.SFTConfig
    model: Any  # trl.ModelConfig
    worker: WorkerOptions = dataclasses.field(default_factory=WorkerOptions)

    def for_run(self, base_model: str, output_dir: str | os.PathLike) -> "RunOptions":
        """These options training `base_model` into `output_dir`."""
        return dataclasses.replace(self, model=dataclasses.replace(self.model, model_name_or_path=str(base_model)),
                                   sft=dataclasses.replace(self.sft, output_dir=str(output_dir)))

    def to_dict(self) -> dict:
        """The params' view of these options (camelCase, as the service shows them), for reports."""
        parts = {"sft": self.sft, "model": self.model, "worker": self.worker}
        return {name: _plain(getattr(parts[p.target], p.field)) for name, p in PARAMS.items()}

    def key(self) -> str:
        """A hash of everything that shapes training: checkpoints are kept under it, so that a re-queued run with
        other params never resumes from a mismatched checkpoint."""
        sft = {k: v for k, v in self.sft.to_dict().items() if k not in ("output_dir", "logging_dir")}
        worker = {k: v for k, v in dataclasses.asdict(self.worker).items() if k not in _SCORING_ONLY}
        blob = json.dumps([sft, dataclasses.asdict(self.model), worker], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _plain(value):
    return value.value if hasattr(value, "value") else value  # transformers' str enums


def _device_defaults() -> dict:
    """bf16 where CUDA has it, else fp32 on the CPU (TRL's bf16 default would refuse a CPU)."""
    import torch

    cuda = torch.cuda.is_available()
    return {"bf16": cuda and torch.cuda.is_bf16_supported(), "use_cpu": not cuda}


def recipe_defaults() -> dict:
    """The worker's defaults for TRL's fields: the params' recipe plus what the worker always wants."""
    return {**{p.field: p.default for p in PARAMS.values() if p.default is not None}, **_device_defaults(),
            "use_peft": True, "report_to": "none", "disable_tqdm": True, "save_total_limit": 1}


def make_parser(local: bool = True, **kwargs):
    """A `TrlParser` over SFTConfig, ModelConfig, WorkerOptions (and LocalOptions), with the recipe's defaults."""
    from trl import ModelConfig, SFTConfig, TrlParser

    parser = TrlParser([SFTConfig, ModelConfig, WorkerOptions] + ([LocalOptions] if local else []), **kwargs)
    parser.set_defaults_with_config(**recipe_defaults())
    return parser


def parse(parser, argv: list[str]) -> tuple[RunOptions, list]:
    """(the run's options, the parser's other outputs: LocalOptions and/or a namespace of arguments added to it)."""
    sft, model, worker, *rest = parser.parse_args_and_config(argv)
    return RunOptions(sft, model, worker), rest


def defaults() -> RunOptions:
    """The reference recipe: batch 1, lr 1e-4, cosine, LoRA r=16/alpha=32 on all linear layers."""
    return parse(make_parser(local=False), [])[0]


def with_params(params: dict | None = None, options: RunOptions | None = None) -> RunOptions:
    """`options` (default: the recipe) with `params` applied; unknown names are refused."""
    options, ignored = apply_params(options or defaults(), params)
    if ignored:
        raise ValueError(f"not training params: {', '.join(ignored)}")
    return options


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.capitalize() for p in rest)


def apply_params(options: RunOptions, params: dict | None) -> tuple[RunOptions, list[str]]:
    """Apply a run's `params` (camelCase names of PARAMS; snake_case accepted).

    Returns (options, ignored names). Anything that is not a param is ignored: unknown names, and names of the
    worker's local configuration (endpoints, credentials, paths, repos), which a run must not steer. A bad value
    fails with a message naming the param.
    """
    updates: dict[str, dict] = {"sft": {}, "model": {}, "worker": {}}
    ignored = []
    for key, value in (params or {}).items():
        param = PARAMS.get(_camel(key))
        if param is None:
            ignored.append(key)
            continue
        if value is None and param.default is None:  # "let the worker decide"
            updates[param.target][param.field] = _unset(param)
            continue
        try:
            checked = param.rule.check(value)
            updates[param.target][param.field] = param.convert(checked) if param.convert else checked
        except ValueError as exc:
            raise ValueError(f"parameter {key}={value!r} {exc}") from None
    try:
        return RunOptions(**{target: dataclasses.replace(getattr(options, target), **fields) if fields
                             else getattr(options, target) for target, fields in updates.items()}), ignored
    except (TypeError, ValueError) as exc:  # a combination TRL refuses, e.g. bf16 on a CPU
        raise ValueError(f"parameters {', '.join(params)}: {exc}") from exc


def _unset(param: Param):
    """A param sent as null: the value it has when the worker decides."""
    return _device_defaults()["bf16"] if param.field == "bf16" else None
