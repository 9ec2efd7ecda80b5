"""The training entry point: load data and model, score the exam before and in context, SFTTrainer + LoRA,
score it after, save.

Reads like TRL's `trl/scripts/sft.py`: orchestration over library calls. Our additions (data loading, assistant
masking, progress, evaluation, reports) live in their own modules beside this one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from . import ranks, vllm_eval
from .data import ChatDataset, QAPair, iter_pairs, load_dataset_source, read_question_file, system_prompt
from .evaluate import context_window, describe, evaluate, fit_context, generation_config
from .judge import Judge
from .masking import CHAT_TEMPLATE_KWARGS, choose_strategy, pretokenize
from .mixing import Mix, has_text, tokenize
from .mixing import prepare as prepare_mix
from .options import LocalOptions, RunOptions
from .progress import ProgressCallback, Reporter, RunStopped, StdoutReporter
from .report import (assemble, context_summary, early_stopping_summary, held_out_history, loss_history, probe_result,
                     result_rows, retention_summary, training_summary, write_json, write_reports)

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    output: Path
    metrics: dict
    report: dict
    results: list[dict]  # one row per question and phase
    recall: dict  # per phase, by direction, recovery ratio
    adapter_uri: str | None  # the Hub URL when pushed, else the output dir (None when evaluate-only)


def exam_questions(data: ChatDataset | None, local: LocalOptions, options: RunOptions,
                   exam: list[QAPair] | None = None) -> list[QAPair]:
    """The exam (the service's, else the question file then the test split's pairs), up to `eval_limit`; every
    question gets an id and, when it has none, the system message the training rows share."""
    if options.worker.eval_limit <= 0:
        return []
    if exam is None:
        exam = read_question_file(local.eval_questions) if local.eval_questions else []
        exam += list(iter_pairs(data.test)) if data else []
    system = system_prompt(data.train) if data and data.train else None
    return [dataclasses.replace(q, id=q.id or f"q{n}", system=q.system or system)
            for n, q in enumerate(exam[: options.worker.eval_limit], 1)]


def _fsdp(options: RunOptions) -> bool:
    return bool(options.sft.fsdp) or os.environ.get("ACCELERATE_USE_FSDP", "false").lower() == "true"


def load_model_and_tokenizer(options: RunOptions):
    """The base model straight onto this rank's GPU (`device_map`), never through host RAM as a whole; on the CPU
    where there is none, and under FSDP, which shards it itself. QLoRA (`load_in_4bit`) through TRL's
    `get_quantization_config`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import get_quantization_config

    name = options.model.model_name_or_path
    tokenizer = AutoTokenizer.from_pretrained(name)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model_args = dataclasses.replace(options.model, dtype="bfloat16" if options.sft.bf16 else "float32")
    quantization = get_quantization_config(model_args)
    if quantization is not None and importlib.util.find_spec("bitsandbytes") is None:
        raise ValueError("loadIn4bit needs bitsandbytes, which is not installed on this worker")
    on_gpu = torch.cuda.is_available() and not options.sft.use_cpu and not _fsdp(options)
    model = AutoModelForCausalLM.from_pretrained(
        name, dtype=getattr(torch, model_args.dtype), attn_implementation=options.model.attn_implementation,
        quantization_config=quantization, device_map={"": ranks.state().local_process_index} if on_gpu else None)
    return model, tokenizer


# Activation bytes per token and layer of a transformer block in 16-bit without recomputation, attention scores not
# materialised (SDPA / flash): Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
# Models", s*b*h*34.
_ACTIVATION_BYTES_PER_TOKEN_HIDDEN_LAYER = 34


def needs_checkpointing(model, options: RunOptions) -> bool:
    """Gradient checkpointing costs 20-30 % of the step time, so it is on only when asked for or when memory needs
    it: when one step's estimated activations (batch x max_length tokens through every layer, plus fp32 logits)
    would not fit in the GPU memory left free after loading the model. Never on the CPU."""
    import torch

    if options.sft.gradient_checkpointing:
        return True
    if not torch.cuda.is_available() or options.sft.use_cpu:
        return False
    config = model.config.get_text_config()
    tokens = options.sft.per_device_train_batch_size * options.sft.max_length
    activations = tokens * (config.hidden_size * config.num_hidden_layers * _ACTIVATION_BYTES_PER_TOKEN_HIDDEN_LAYER
                            + config.vocab_size * 4 * 2)
    free, _ = torch.cuda.mem_get_info(ranks.state().local_process_index)
    return activations > 0.8 * free


HELD_OUT = "heldOut"
HELD_OUT_SHARE = 0.1  # of the training rows, at least one, when early stopping is on


def trainer_args(options: RunOptions, checkpoints: Path, eval_sets: list[str], assistant_only_loss: bool,
                 checkpointing: bool, mix: Mix | None = None):
    """The run's SFTConfig: TRL's as parsed, plus what the worker decides: probe schedule, evaluation, early
    stopping, checkpoints, and a study mix's epochs and order."""
    sft, worker = options.sft, options.worker
    in_order = mix is not None and mix.in_order
    epochs = worker.probe_epochs if worker.probe else mix.epochs if mix else sft.num_train_epochs
    if not eval_sets:
        evaluation = {"eval_strategy": "no"}
    elif worker.probe:  # a float eval_steps < 1 is a fraction of the total steps
        evaluation = {"eval_strategy": "steps", "eval_steps": 1 / max(1, round(epochs * worker.probe_evals_per_epoch))}
    elif in_order:  # one epoch over the laid-out passes: evaluate about once per pass, as the epochs would be
        evaluation = {"eval_strategy": "steps", "eval_steps": 1 / mix.passes}
    else:
        evaluation = {"eval_strategy": "epoch"}
    if HELD_OUT in eval_sets:  # early stopping: keep the adapter of the best held-out loss, saved at each evaluation
        evaluation.update(load_best_model_at_end=True, metric_for_best_model=f"eval_{HELD_OUT}_loss",
                          greater_is_better=False, save_strategy=evaluation["eval_strategy"],
                          save_steps=evaluation.get("eval_steps", sft.save_steps))
    return dataclasses.replace(sft, **{
        "output_dir": str(checkpoints),
        "num_train_epochs": epochs,
        "lr_scheduler_type": "constant" if worker.probe else sft.lr_scheduler_type,
        "warmup_steps": 0 if worker.probe else sft.warmup_steps,  # a float < 1 is a fraction of the run
        "per_device_eval_batch_size": max(sft.per_device_train_batch_size, 8),
        "assistant_only_loss": assistant_only_loss,
        "gradient_checkpointing": checkpointing,
        # CPT-then-SFT: the stream is laid out already, text first, and must be read in order (on every rank).
        "train_sampling_strategy": "sequential" if in_order else sft.train_sampling_strategy,
        # Checkpoints let a re-claimed run resume; one is enough (each holds the adapter and optimizer state).
        "save_strategy": "steps",
        "include_num_input_tokens_seen": "non_padding",  # what tokens/s counts
        "push_to_hub": False,  # the worker pushes the finished adapter itself, never checkpoints
        **evaluation,
    })


def hold_out(rows: list[dict], seed: int) -> tuple[list[dict], list[dict]]:
    """(rows to train on, a held-out slice of about 10 %) for early stopping: its loss rises when the model starts
    memorising the training rows' own wording rather than their facts."""
    if len(rows) < 2:
        raise ValueError("early stopping needs at least two training rows (one is held out)")
    shuffled = random.Random(seed).sample(rows, len(rows))
    n = max(1, round(len(rows) * HELD_OUT_SHARE))
    return shuffled[n:], shuffled[:n]


def _scored(state: Path, phase: str, key: str, compute) -> list:
    """A phase's scores, computed once per run: a re-claimed run does not score the base model again. The main
    process reads and writes them; every rank learns from it whether to compute."""
    path = state / f"scores-{phase}.json"
    saved = ranks.broadcast(json.loads(path.read_text(encoding="utf-8")) if ranks.is_main() and path.exists() else None)
    if saved and saved.get("key") == key:
        log.info("%s scores from the previous attempt", phase)
        return saved["items"]
    items = compute()
    if ranks.is_main():
        state.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": key, "items": items})
    return items


def _evaluate_shared(model, tokenizer, asked: list[QAPair], **kw) -> list[dict]:
    """Each rank scores its share of the questions; all of them come back on every rank, in order. A stop on the
    main process (its heartbeats learn of a cancel) stops every rank at the gathering, never halfway apart."""
    mine = ranks.share(asked)
    try:
        items = evaluate(model, tokenizer, mine, **kw)["items"] if mine else []
    except RunStopped as stopped:
        items = stopped.reason
    shares = ranks.gather([items])
    reason = next((s for s in shares if isinstance(s, str)), None)
    if reason:
        raise RunStopped(reason)
    return [item for share in shares for item in share]


def _training_rows(data: ChatDataset, options: RunOptions, tokenizer, strategy: str):
    """(train, eval sets by name, training rows, the study mix or None) as datasets SFTTrainer takes: pre-tokenized
    with our masks for prefix-diff or a study mix (mixing.py), else conversations TRL renders with the template
    arguments evaluation prompts with."""
    from datasets import Dataset

    mixed = has_text(data.train, data.test)

    def dataset(rows):
        if mixed:  # study passages: every row tokenized by mixing.py, text rows trained on every token
            return Dataset.from_list(tokenize(rows, tokenizer, strategy))
        if strategy == "prefix-diff":  # we mask ourselves; SFTTrainer builds labels from `assistant_masks`
            return Dataset.from_list(pretokenize(rows, tokenizer))
        return Dataset.from_list([{**row, "chat_template_kwargs": CHAT_TEMPLATE_KWARGS} for row in rows])

    train, evals = data.train, {}
    if options.worker.early_stopping_patience > 0:
        train, held = hold_out(train, options.sft.seed)
        evals[HELD_OUT] = dataset(held)
    if data.test and options.worker.eval_loss:
        evals["test"] = dataset(data.test)
    mix = prepare_mix(train, data.test, tokenizer, strategy, options)
    return Dataset.from_list(mix.train) if mix else dataset(train), evals, len(train), mix


def run_training(options: RunOptions, local: LocalOptions, reporter: Reporter | None = None, *,
                 data: ChatDataset | None = None, exam: list[QAPair] | None = None, token: str | None = None,
                 state_dir: Path | None = None, retention: list[QAPair] | None = None) -> RunResult:
    """Score the exam before and in context, train one adapter (unless evaluate-only), score it after. The
    `retention` questions (general knowledge, unrelated to the data) are answered closed book before and after
    training, to measure what the training cost the model.

    Writes everything under `options.sft.output_dir`. Checkpoints (keyed by a hash of the options) and per-phase
    scores go to `state_dir` (default `<output>/.state`, removed when the run succeeds); a run that finds them
    there resumes from them.

    Under `accelerate launch`/`torchrun` every rank calls this: each trains its shard (DDP, or FSDP when
    configured) and scores its share of the exam; only the main process writes files, reports and pushes.
    """
    from transformers import EarlyStoppingCallback, PrinterCallback, set_seed
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer, get_peft_config

    reporter = reporter or StdoutReporter()
    main = ranks.is_main()
    out = Path(options.sft.output_dir)
    base_model = options.model.model_name_or_path
    own_state = state_dir is None
    state = Path(state_dir) if state_dir is not None else out / ".state"
    if main:
        out.mkdir(parents=True, exist_ok=True)
    set_seed(options.sft.seed)

    if data is None and local.dataset:
        with ranks.state().main_process_first():
            data = load_dataset_source(local.dataset, out / "data", token)
    if not local.evaluate_only and (data is None or not data.train):
        raise ValueError("the train split is empty")
    if options.worker.eval_engine == "vllm":
        vllm_eval.require(options)
    model, tokenizer = load_model_and_tokenizer(options)
    strategy = choose_strategy(tokenizer)  # before scoring: a base model gets its chat template here
    questions = exam_questions(data, local, options, exam)
    system = questions[0].system if questions else None  # asked the way the adapter is trained, like the exam
    retained = [dataclasses.replace(q, id=q.id or f"r{n}", system=q.system or system, context=None)
                for n, q in enumerate(retention or [] if not local.evaluate_only else [], 1)]
    worker = options.worker
    judge = Judge(local.judge_base_url, local.judge_model) \
        if worker.judge and local.judge_base_url and local.judge_model else None
    decoding = generation_config(tokenizer, worker.eval_max_new_tokens)  # the same for every phase
    engine = vllm_eval.VllmEngine(base_model, options.model.lora_r) \
        if worker.eval_engine == "vllm" and (questions or retained) else None
    score = dict(judge=judge, batch_size=worker.eval_batch_size, config=decoding, should_stop=reporter.check,
                 engine=engine)
    key = hashlib.sha256(json.dumps([base_model, [dataclasses.asdict(q) for q in questions + retained],
                                     describe(decoding), judge is not None]).encode()).hexdigest()

    def phase(name: str, heartbeat: str, scored_model, in_context: bool = False, of: list[QAPair] = questions,
              graded: bool = True) -> list[dict | None]:
        asked = [q for q in of if q.context or not in_context]

        def compute():
            reporter.phase(heartbeat)
            items = iter(_evaluate_shared(scored_model, tokenizer, asked, in_context=in_context,
                                          **(score if graded else {**score, "judge": None})))
            return [next(items) if q.context or not in_context else None for q in of]

        # Scores of the base model are kept for a re-claimed run; the adapter's are not (it trains again).
        return compute() if name in ("after", "retentionAfter") else _scored(state, name, key, compute)

    # In context, each question is asked with the part of its context that leaves room for the answer in the model's
    # window: a retrieved context sized for an 8k window keeps its best passages on a model with fewer positions.
    window = context_window(model)
    read = [fit_context(tokenizer, q, window - worker.eval_max_new_tokens if window else None) for q in questions]
    phases = {"before": phase("before", "evaluating-before", model),
              "inContext": phase("inContext", "evaluating-in-context", model, in_context=True, of=read)}
    for sent, kept, item in zip(questions, read, phases["inContext"]):
        if item is not None and sent.passages:
            item["passages"] = {"kept": len(kept.passages), "sent": len(sent.passages)}
    # Retention is scored by key facts, never the judge: general knowledge needs no paid grading.
    retention_phases = {"retentionBefore": phase("retentionBefore", "evaluating-retention-before", model, of=retained,
                                                 graded=False)} if retained else {}
    header = {"baseModel": base_model, "dataset": data.source if data else None,
              "options": options.to_dict(), "evaluateOnly": local.evaluate_only, "generation": describe(decoding)}
    training, train_log, eval_log, probe, adapter_uri = None, [], [], None, None

    if not local.evaluate_only:
        train_ds, eval_sets, train_rows, mix = _training_rows(data, options, tokenizer, strategy)
        checkpoints = state / f"checkpoints-{options.key()}"
        if main:  # checkpoints of the same run with other options would never be resumed: free their disk
            for stale in state.glob("checkpoints*"):
                if stale != checkpoints:
                    shutil.rmtree(stale, ignore_errors=True)
        checkpointing = needs_checkpointing(model, options)
        callbacks = [ProgressCallback(reporter)]
        if HELD_OUT in eval_sets:
            callbacks.append(EarlyStoppingCallback(early_stopping_patience=worker.early_stopping_patience))
        trainer = SFTTrainer(
            model=model,
            args=trainer_args(options, checkpoints, list(eval_sets), strategy != "prefix-diff" and not mix,
                              checkpointing, mix),
            train_dataset=train_ds,
            # One eval set keeps TRL's plain `eval_loss`; with the held-out slice each is named (`eval_test_loss`).
            eval_dataset=(eval_sets if HELD_OUT in eval_sets else eval_sets["test"]) if eval_sets else None,
            processing_class=tokenizer,
            peft_config=get_peft_config(options.model),
            callbacks=callbacks,
        )
        trainer.remove_callback(PrinterCallback)  # progress goes through our reporter, as JSON lines
        resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
        if resume:
            log.info("resuming from %s", resume)
        if engine:
            engine.sleep()
        started = time.monotonic()
        result = trainer.train(resume_from_checkpoint=resume)
        seconds = time.monotonic() - started
        ranks.check(reporter)  # cancelled, released or lease lost during training: stop here, save nothing

        if engine:  # vLLM asks the base model with the adapter as a LoRA request
            trainer.model.save_pretrained(str(state / "adapter"))
            engine.wake_up(state / "adapter")
        else:
            # Scored with the adapter merged into the weights: the base model's speed, no separate LoRA forward. The
            # LoRA weights stay as trained, so the adapter saved below is the same.
            trainer.model.merge_adapter()
        phases["after"] = phase("after", "evaluating-after", trainer.model)
        if retained:
            retention_phases["retentionAfter"] = phase("retentionAfter", "evaluating-retention-after", trainer.model,
                                                       of=retained, graded=False)
        reporter.phase("saving")
        trainer.save_model(str(out))  # adapter_model.safetensors + adapter_config.json (+ tokenizer); main writes
        train_log, eval_log = loss_history(trainer.state.log_history)
        held_out = held_out_history(trainer.state.log_history)
        training = training_summary(
            trainer, result, train_log, eval_log, seconds, assistantMasking=strategy, trainRows=train_rows,
            testRows=len(data.test), processes=ranks.state().num_processes, gradientCheckpointing=checkpointing,
            resumedFromStep=int(Path(resume).name.split("-")[-1]) if resume else None,
            **({"study": mix.summary} if mix else {}),
            **({"earlyStopping": early_stopping_summary(trainer.state, held_out, worker.early_stopping_patience,
                                                        len(eval_sets[HELD_OUT]))} if HELD_OUT in eval_sets else {}))
        probe = probe_result(eval_log) if worker.probe else None
        if main:
            tokenizer.save_pretrained(str(out))  # with the chat template the adapter was trained on
            adapter_uri = push_to_hub(trainer.model, tokenizer, local.push_adapter_to) if local.push_adapter_to \
                else str(out.resolve())
            if worker.merge:  # last, after every rank's scores are gathered: unloading drops the LoRA layers
                # vLLM scored the adapter unmerged: merge it now
                merged = trainer.model.merge_and_unload() if engine else trainer.model.unload()
                merged.save_pretrained(str(out / "merged"))
                tokenizer.save_pretrained(str(out / "merged"))
    else:
        reporter.phase("saving")

    if judge is not None:
        header["judge"] = {"model": judge.model, **judge.stats}
    metrics, report = assemble(questions=questions, phases=phases, judged=judge is not None, training=training,
                               train_log=train_log, eval_log=eval_log, probe=probe, header=header,
                               retention=retention_summary(retained, retention_phases) if retained else None,
                               contexts=context_summary(questions, read, window, worker.eval_max_new_tokens))
    ranks.barrier()  # every rank is done with the state directory before the main process removes it
    if main:
        write_reports(out, metrics, report, plot_title=f"{base_model} LoRA r={options.model.lora_r}")
        if own_state:
            shutil.rmtree(state, ignore_errors=True)
    return RunResult(out, metrics, report, result_rows(questions, phases) + result_rows(retained, retention_phases),
                     metrics["recall"], adapter_uri)


def push_to_hub(model, tokenizer, repo_id: str) -> str:
    """Push the adapter and tokenizer; the token comes from HF_TOKEN (read by huggingface_hub)."""
    model.push_to_hub(repo_id, private=True)
    tokenizer.push_to_hub(repo_id, private=True)
    return f"https://huggingface.co/{repo_id}"
