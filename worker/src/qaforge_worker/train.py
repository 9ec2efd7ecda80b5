"""The training entry point: load data and model, score the exam before and in context, SFTTrainer + LoRA,
score it after, save.

Reads like TRL's `trl/scripts/sft.py`: orchestration over library calls. Our additions (data loading, assistant
masking, progress, evaluation, reports) live in their own modules beside this one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .data import ChatDataset, QAPair, iter_pairs, load_dataset_source, read_question_file, system_prompt
from .evaluate import describe, evaluate, generation_config
from .judge import Judge
from .masking import CHAT_TEMPLATE_KWARGS, choose_strategy, pretokenize
from .mixing import prepare as prepare_mix
from .options import LocalOptions, TrainOptions, sft_arguments
from .progress import ProgressCallback, Reporter, StdoutReporter
from .report import (assemble, loss_history, probe_result, result_rows, retention_summary, training_summary, write_json,
                     write_reports)

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    output: Path
    metrics: dict
    report: dict
    results: list[dict]  # one row per question and phase
    recall: dict  # per phase, by direction, recovery ratio
    adapter_uri: str | None  # the Hub URL when pushed, else the output dir (None when evaluate-only)


def exam_questions(data: ChatDataset | None, local: LocalOptions, options: TrainOptions,
                   exam: list[QAPair] | None = None) -> list[QAPair]:
    """The exam (the service's, else the question file then the test split's pairs), up to `eval_limit`; every
    question gets an id and, when it has none, the system message the training rows share."""
    if options.eval_limit <= 0:
        return []
    if exam is None:
        exam = read_question_file(local.eval_questions) if local.eval_questions else []
        exam += list(iter_pairs(data.test)) if data else []
    system = system_prompt(data.train) if data and data.train else None
    return [dataclasses.replace(q, id=q.id or f"q{n}", system=q.system or system)
            for n, q in enumerate(exam[: options.eval_limit], 1)]


def load_model_and_tokenizer(base_model: str, options: TrainOptions):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cuda = torch.cuda.is_available()
    bf16 = options.bf16 if options.bf16 is not None else (cuda and torch.cuda.is_bf16_supported())
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        base_model, dtype=torch.bfloat16 if bf16 else torch.float32, attn_implementation=options.attn_implementation)
    if cuda:
        model.to("cuda")
    return model, tokenizer, bf16


def sft_config(options: TrainOptions, checkpoints: Path, bf16: bool, has_eval: bool, assistant_only_loss: bool):
    """SFTConfig from the declared options plus what the worker decides: probe schedule, devices, checkpoints."""
    import torch
    from trl import SFTConfig

    cuda = torch.cuda.is_available()
    epochs = options.probe_epochs if options.probe else options.epochs
    if not has_eval:
        evaluation = {"eval_strategy": "no"}
    elif options.probe:  # a float eval_steps < 1 is a fraction of the total steps
        evaluation = {"eval_strategy": "steps", "eval_steps": 1 / max(1, round(epochs * options.probe_evals_per_epoch))}
    else:
        evaluation = {"eval_strategy": "epoch"}
    return SFTConfig(**{
        **sft_arguments(options),
        "output_dir": str(checkpoints),
        "num_train_epochs": epochs,
        "lr_scheduler_type": "constant" if options.probe else options.lr_scheduler,
        "warmup_steps": 0 if options.probe else options.warmup_ratio,  # a float < 1 is a fraction of the run
        "per_device_eval_batch_size": max(options.batch_size, 8),
        "assistant_only_loss": assistant_only_loss,
        "gradient_checkpointing": options.gradient_checkpointing if options.gradient_checkpointing is not None else cuda,
        "bf16": bf16,
        "use_cpu": not cuda,
        # Checkpoints let a re-claimed run resume; one is enough (each holds the adapter and optimizer state).
        "save_strategy": "steps",
        "save_steps": options.save_steps or 0.1,
        "save_total_limit": 1,
        "report_to": "none",
        "disable_tqdm": True,
        "include_num_input_tokens_seen": "non_padding",
        **evaluation,
    })


def lora_config(options: TrainOptions):
    from peft import LoraConfig

    modules = options.target_modules
    return LoraConfig(r=options.lora_r, lora_alpha=options.lora_alpha, lora_dropout=options.lora_dropout,
                      target_modules=modules if modules == "all-linear" else [m.strip() for m in modules.split(",")],
                      task_type="CAUSAL_LM")


def _scored(state: Path, phase: str, key: str, compute) -> list:
    """A phase's scores, computed once per run: a re-claimed run does not score the base model again."""
    path = state / f"scores-{phase}.json"
    if path.exists():
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("key") == key:
            log.info("%s scores from the previous attempt", phase)
            return saved["items"]
    items = compute()
    state.mkdir(parents=True, exist_ok=True)
    write_json(path, {"key": key, "items": items})
    return items


def run_training(options: TrainOptions, local: LocalOptions, reporter: Reporter | None = None, *,
                 data: ChatDataset | None = None, exam: list[QAPair] | None = None, token: str | None = None,
                 state_dir: Path | None = None, retention: list[QAPair] | None = None) -> RunResult:
    """Score the exam before and in context, train one adapter (unless evaluate-only), score it after. The
    `retention` questions (general knowledge, unrelated to the data) are answered closed book before and after
    training, to measure what the training cost the model.

    Writes everything under `local.output`. Checkpoints and per-phase scores go to `state_dir` (default
    `<output>/.state`, removed when the run succeeds); a run that finds them there resumes from them.
    """
    from datasets import Dataset
    from transformers import PrinterCallback, set_seed
    from transformers.trainer_utils import get_last_checkpoint
    from trl import SFTTrainer

    reporter = reporter or StdoutReporter()
    out = Path(local.output)
    out.mkdir(parents=True, exist_ok=True)
    own_state = state_dir is None
    state = Path(state_dir) if state_dir is not None else out / ".state"
    set_seed(options.seed)

    if data is None and local.dataset:
        data = load_dataset_source(local.dataset, out / "data", token)
    if not local.evaluate_only and (data is None or not data.train):
        raise ValueError("the train split is empty")
    model, tokenizer, bf16 = load_model_and_tokenizer(local.base_model, options)
    strategy = choose_strategy(tokenizer)  # before scoring: a base model gets its chat template here
    questions = exam_questions(data, local, options, exam)
    system = questions[0].system if questions else None  # asked the way the adapter is trained, like the exam
    retained = [dataclasses.replace(q, id=q.id or f"r{n}", system=q.system or system, context=None)
                for n, q in enumerate(retention or [] if not local.evaluate_only else [], 1)]
    judge = Judge(local.judge_base_url, local.judge_model) \
        if options.judge and local.judge_base_url and local.judge_model else None
    decoding = generation_config(tokenizer, options.eval_max_new_tokens)  # the same for every phase
    score = dict(judge=judge, batch_size=options.eval_batch_size, config=decoding, should_stop=reporter.check)
    key = hashlib.sha256(json.dumps([local.base_model, [dataclasses.asdict(q) for q in questions + retained],
                                     describe(decoding), judge is not None]).encode()).hexdigest()

    def phase(name: str, heartbeat: str, scored_model, in_context: bool = False, of: list[QAPair] = questions,
              graded: bool = True) -> list[dict | None]:
        asked = [q for q in of if q.context or not in_context]

        def compute():
            reporter.phase(heartbeat)
            items = iter(evaluate(scored_model, tokenizer, asked, in_context=in_context,
                                  **(score if graded else {**score, "judge": None}))["items"]) if asked else iter(())
            return [next(items) if q.context or not in_context else None for q in of]

        # Scores of the base model are kept for a re-claimed run; the adapter's are not (it trains again).
        return compute() if name in ("after", "retentionAfter") else _scored(state, name, key, compute)

    phases = {"before": phase("before", "evaluating-before", model),
              "inContext": phase("inContext", "evaluating-in-context", model, in_context=True)}
    # Retention is scored by key facts, never the judge: general knowledge needs no paid grading.
    retention_phases = {"retentionBefore": phase("retentionBefore", "evaluating-retention-before", model, of=retained,
                                                 graded=False)} if retained else {}
    header = {"baseModel": local.base_model, "dataset": data.source if data else None,
              "options": options.to_dict(), "evaluateOnly": local.evaluate_only, "generation": describe(decoding)}
    training, train_log, eval_log, probe, adapter_uri = None, [], [], None, None

    if not local.evaluate_only:
        mix = prepare_mix(data.train, data.test, tokenizer, strategy, options)
        if mix:  # study passages beside the pairs: every row tokenized by mixing.py, masks and order included
            train_ds = Dataset.from_list(mix.train)
            eval_ds = Dataset.from_list(mix.test) if mix.test else None
        elif strategy == "prefix-diff":  # we mask ourselves; SFTTrainer builds labels from `assistant_masks`
            train_ds = Dataset.from_list(pretokenize(data.train, tokenizer))
            eval_ds = Dataset.from_list(pretokenize(data.test, tokenizer)) if data.test else None
        else:  # TRL renders the template: with the arguments evaluation prompts with
            rows = lambda split: [{**row, "chat_template_kwargs": CHAT_TEMPLATE_KWARGS} for row in split]  # noqa: E731
            train_ds = Dataset.from_list(rows(data.train))
            eval_ds = Dataset.from_list(rows(data.test)) if data.test else None
        has_eval = eval_ds is not None and options.eval_loss
        checkpoints = state / "checkpoints"
        args = sft_config(dataclasses.replace(options, epochs=mix.epochs) if mix else options, checkpoints, bf16,
                          has_eval, assistant_only_loss=strategy != "prefix-diff" and not mix)
        if mix and mix.in_order:
            args.train_sampling_strategy = "sequential"  # the stream is laid out already: the text first
        trainer = SFTTrainer(
            model=model,
            args=args,
            train_dataset=train_ds,
            eval_dataset=eval_ds if has_eval else None,
            processing_class=tokenizer,
            peft_config=lora_config(options),
            callbacks=[ProgressCallback(reporter)],
        )
        trainer.remove_callback(PrinterCallback)  # progress goes through our reporter, as JSON lines
        resume = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
        if resume:
            log.info("resuming from %s", resume)
        started = time.monotonic()
        result = trainer.train(resume_from_checkpoint=resume)
        seconds = time.monotonic() - started
        reporter.check()  # cancelled, released or lease lost during training: stop here, save nothing

        # Scored with the adapter merged into the weights: the base model's speed, no separate LoRA forward. The
        # LoRA weights stay as trained, so the adapter saved below is the same.
        trainer.model.merge_adapter()
        phases["after"] = phase("after", "evaluating-after", trainer.model)
        if retained:
            retention_phases["retentionAfter"] = phase("retentionAfter", "evaluating-retention-after", trainer.model,
                                                       of=retained, graded=False)
        reporter.phase("saving")
        trainer.save_model(str(out))  # adapter_model.safetensors + adapter_config.json (+ tokenizer)
        tokenizer.save_pretrained(str(out))  # with the chat template the adapter was trained on
        train_log, eval_log = loss_history(trainer.state.log_history)
        training = training_summary(trainer, result, train_log, eval_log, seconds, assistantMasking=strategy,
                                    trainRows=len(data.train), testRows=len(data.test),
                                    **({"study": mix.summary} if mix else {}),
                                    resumedFromStep=int(Path(resume).name.split("-")[-1]) if resume else None)
        probe = probe_result(eval_log) if options.probe else None
        adapter_uri = push_to_hub(trainer.model, tokenizer, local.push_to_hub) if local.push_to_hub \
            else str(out.resolve())
        if options.merge:  # last: the weights hold the adapter since the after phase; unloading drops the LoRA layers
            merged = trainer.model.unload()
            merged.save_pretrained(str(out / "merged"))
            tokenizer.save_pretrained(str(out / "merged"))
    else:
        reporter.phase("saving")

    if judge is not None:
        header["judge"] = {"model": judge.model, **judge.stats}
    metrics, report = assemble(questions=questions, phases=phases, judged=judge is not None, training=training,
                               train_log=train_log, eval_log=eval_log, probe=probe, header=header,
                               retention=retention_summary(retained, retention_phases) if retained else None)
    write_reports(out, metrics, report, plot_title=f"{local.base_model} LoRA r={options.lora_r}")
    if own_state:
        shutil.rmtree(state, ignore_errors=True)
    return RunResult(out, metrics, report, result_rows(questions, phases) + result_rows(retained, retention_phases),
                     metrics["recall"], adapter_uri)


def push_to_hub(model, tokenizer, repo_id: str) -> str:
    """Push the adapter and tokenizer; the token comes from HF_TOKEN (read by huggingface_hub)."""
    model.push_to_hub(repo_id, private=True)
    tokenizer.push_to_hub(repo_id, private=True)
    return f"https://huggingface.co/{repo_id}"
