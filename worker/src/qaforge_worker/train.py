"""The training entry point: load data and model, evaluate, SFTTrainer + LoRA, evaluate again, save.

Reads like TRL's `trl/scripts/sft.py`: orchestration over library calls. Our additions (data loading,
assistant masking, progress, evaluation, reports) live in their own modules beside this one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from .data import ChatDataset, QAPair, iter_pairs, load_dataset_source, read_question_file
from .evaluate import evaluate
from .judge import Judge
from .masking import choose_strategy, pretokenize
from .options import TrainOptions
from .progress import ProgressCallback, Reporter, StdoutReporter
from .report import loss_history, merge_items, plot_loss, probe_result, render_markdown, write_json

log = logging.getLogger(__name__)


def evaluation_pairs(data: ChatDataset, options: TrainOptions) -> list[QAPair]:
    """The user's question file first, then the test split's Q/A pairs, up to `eval_limit`."""
    if options.eval_limit <= 0:
        return []
    pairs = read_question_file(options.eval_questions) if options.eval_questions else []
    pairs += list(iter_pairs(data.test))
    return pairs[: options.eval_limit]


def load_model_and_tokenizer(options: TrainOptions):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cuda = torch.cuda.is_available()
    bf16 = options.bf16 if options.bf16 is not None else (cuda and torch.cuda.is_bf16_supported())
    tokenizer = AutoTokenizer.from_pretrained(options.base_model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        options.base_model, dtype=torch.bfloat16 if bf16 else torch.float32,
        attn_implementation=options.attn_implementation)
    if cuda:
        model.to("cuda")
    return model, tokenizer, bf16


def sft_config(options: TrainOptions, out: Path, bf16: bool, has_eval: bool, assistant_only_loss: bool):
    import torch
    from trl import SFTConfig

    cuda = torch.cuda.is_available()
    epochs = options.probe_epochs if options.probe else options.epochs
    if not has_eval:
        eval_kwargs = {"eval_strategy": "no"}
    elif options.probe:  # a float eval_steps < 1 is a fraction of the total steps
        eval_kwargs = {"eval_strategy": "steps", "eval_steps": 1 / max(1, round(epochs * options.probe_evals_per_epoch))}
    else:
        eval_kwargs = {"eval_strategy": "epoch"}
    return SFTConfig(
        output_dir=str(out / "checkpoints"),
        num_train_epochs=epochs,
        max_steps=options.max_steps,
        learning_rate=options.learning_rate,
        lr_scheduler_type="constant" if options.probe else options.lr_scheduler,
        warmup_steps=0 if options.probe else options.warmup_ratio,
        per_device_train_batch_size=options.batch_size,
        per_device_eval_batch_size=max(options.batch_size, 8),
        gradient_accumulation_steps=options.gradient_accumulation,
        max_length=options.max_length,
        packing=options.packing,
        assistant_only_loss=assistant_only_loss,
        neftune_noise_alpha=options.neftune_noise_alpha,
        gradient_checkpointing=options.gradient_checkpointing if options.gradient_checkpointing is not None else cuda,
        bf16=bf16,
        use_cpu=not cuda,
        seed=options.seed,
        logging_steps=options.logging_steps,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        **eval_kwargs,
    )


def run_training(options: TrainOptions, reporter: Reporter | None = None, data: ChatDataset | None = None,
                 token: str | None = None) -> dict:
    """Train one adapter. Returns {"metrics", "report", "adapterUri"}; writes everything under options.output."""
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import PrinterCallback, set_seed
    from trl import SFTTrainer

    reporter = reporter or StdoutReporter()
    out = Path(options.output)
    out.mkdir(parents=True, exist_ok=True)
    set_seed(options.seed)

    data = data or load_dataset_source(options.dataset, out / "data", token)
    if not data.train:
        raise ValueError("the train split is empty")
    model, tokenizer, bf16 = load_model_and_tokenizer(options)
    strategy = choose_strategy(tokenizer)
    questions = evaluation_pairs(data, options)
    judge = Judge(options.judge_base_url, options.judge_model) if options.judge_base_url and options.judge_model else None
    eval_kw = dict(judge=judge, batch_size=options.eval_batch_size, max_new_tokens=options.eval_max_new_tokens,
                   should_stop=reporter.check)

    reporter.phase("evaluating-before")
    before = evaluate(model, tokenizer, questions, **eval_kw) if questions else None

    if strategy == "prefix-diff":  # we mask ourselves; SFTTrainer builds labels from `assistant_masks`
        train_ds = Dataset.from_list(pretokenize(data.train, tokenizer))
        eval_ds = Dataset.from_list(pretokenize(data.test, tokenizer)) if data.test else None
    else:
        train_ds = Dataset.from_list(data.train)
        eval_ds = Dataset.from_list(data.test) if data.test else None
    has_eval = eval_ds is not None and options.eval_loss
    trainer = SFTTrainer(
        model=model,
        args=sft_config(options, out, bf16, has_eval, assistant_only_loss=strategy != "prefix-diff"),
        train_dataset=train_ds,
        eval_dataset=eval_ds if has_eval else None,
        processing_class=tokenizer,
        peft_config=LoraConfig(r=options.lora_r, lora_alpha=options.lora_alpha, lora_dropout=options.lora_dropout,
                               target_modules=options.target_modules if options.target_modules == "all-linear"
                               else [m.strip() for m in options.target_modules.split(",")],
                               task_type="CAUSAL_LM"),
        callbacks=[ProgressCallback(reporter)],
    )
    trainer.remove_callback(PrinterCallback)  # progress goes through our reporter, as JSON lines
    started = time.monotonic()
    result = trainer.train()
    train_seconds = time.monotonic() - started
    reporter.check()  # cancelled or lease lost during training: stop here, save nothing

    reporter.phase("evaluating-after")
    after = evaluate(trainer.model, tokenizer, questions, **eval_kw) if questions else None

    reporter.phase("saving")
    trainer.save_model(str(out))  # adapter_model.safetensors + adapter_config.json (+ tokenizer)
    tokenizer.save_pretrained(str(out))
    try:
        (out / "checkpoints").rmdir()  # save_strategy="no": the trainer's output_dir stays empty
    except OSError:
        pass
    train_log, eval_log = loss_history(trainer.state.log_history)
    tokens = trainer.state.num_input_tokens_seen
    training = {
        "steps": trainer.state.global_step,
        "epochs": round(trainer.state.epoch or 0, 4),
        "trainLoss": round(result.training_loss, 6),
        "firstLoss": train_log[0]["loss"] if train_log else None,
        "lastLoss": train_log[-1]["loss"] if train_log else None,
        "finalEvalLoss": eval_log[-1]["evalLoss"] if eval_log else None,
        "seconds": round(train_seconds, 2),
        "tokens": tokens,
        "tokensPerSecond": round(tokens / train_seconds, 1) if train_seconds > 0 else None,
        "assistantMasking": strategy,
        "trainRows": len(data.train),
        "testRows": len(data.test),
    }
    probe = probe_result(eval_log) if options.probe else None
    summary = lambda e: e["summary"] if e else None  # noqa: E731
    metrics = {"before": summary(before), "after": summary(after), "training": training,
               "lossHistory": train_log, "evalLossHistory": eval_log}
    if probe:
        metrics["probe"] = probe
    report = {"baseModel": options.base_model, "dataset": data.source, "options": options.to_dict(),
              "before": summary(before), "after": summary(after), "training": training, "probe": probe,
              "questions": merge_items(before, after)}
    write_json(out / "metrics.json", metrics)
    write_json(out / "report.json", report)
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    plot_loss(train_log, eval_log, out / "loss.png", title=f"{options.base_model} LoRA r={options.lora_r}")

    adapter_uri = str(out.resolve())
    if options.push_to_hub:
        adapter_uri = push_to_hub(trainer.model, tokenizer, options.push_to_hub)
    return {"metrics": metrics, "report": report, "adapterUri": adapter_uri}


def push_to_hub(model, tokenizer, repo_id: str) -> str:
    """Push the adapter and tokenizer; the token comes from HF_TOKEN (read by huggingface_hub)."""
    model.push_to_hub(repo_id, private=True)
    tokenizer.push_to_hub(repo_id, private=True)
    return f"https://huggingface.co/{repo_id}"
