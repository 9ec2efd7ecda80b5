"""What a run reports: per-question results, recall per phase, metrics.json, report.json, report.md, loss.png.

Three phases score every exam question: `before` (base model, closed book), `inContext` (base model with the
question's source text in the prompt: the ceiling fine-tuning chases) and `after` (base + adapter, closed book).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

PHASES = ("before", "inContext", "after")
METRICS = ("keyFacts", "exactMatch", "tokenF1", "contained", "judge")
# The recovery ratio's metric: answer-aware and deterministic, so runs compare with each other with or without a
# judge (`recoveryRatioBy` has every metric's).
RECOVERY_METRIC = "keyFacts"


def summarise(items: list[dict], judged: bool) -> dict:
    """One phase as counts: "correct" (judge CORRECT, or key facts), key facts, exact match, contained, mean F1."""
    n = len(items)
    summary = {
        "correct": sum(1 for i in items if i["correct"]),
        "total": n,
        "criterion": "judge" if judged else "keyFacts",
        "keyFacts": sum(1 for i in items if i.get("keyFacts")),
        "exactMatch": sum(1 for i in items if i["exactMatch"]),
        "contained": sum(1 for i in items if i["contained"]),
        "meanF1": round(sum(i["f1"] for i in items) / n, 4) if n else None,
    }
    if judged:
        for grade, key in (("CORRECT", "judgeCorrect"), ("INCORRECT", "judgeIncorrect"),
                           ("NOT_ATTEMPTED", "judgeNotAttempted")):
            summary[key] = sum(1 for i in items if i.get("judge") == grade)
        summary["judgeErrors"] = sum(1 for i in items if i.get("judge") is None)
    return summary


def _judge_verdict(item: dict) -> bool | None:
    grade = item.get("judge")
    return None if grade is None else grade == "CORRECT"


def _value(item: dict, metric: str) -> float | None:
    if metric == "judge":
        verdict = _judge_verdict(item)
        return None if verdict is None else float(verdict)
    return float(item["f1"] if metric == "tokenF1" else item.get(metric, False))


def _mean(items: list[dict], metric: str, digits: int | None = 4) -> float | None:
    values = [v for v in (_value(i, metric) for i in items) if v is not None]
    return None if not values else round(sum(values) / len(values), digits) if digits else sum(values) / len(values)


def _rates(items: list[dict]) -> dict:
    return {"questions": len(items), **{m: _mean(items, m) for m in METRICS}}


def result_rows(questions: list, phases: dict[str, list[dict | None]]) -> list[dict]:
    """One row per question and scored phase, in the phases' order (a question without context has no inContext
    row)."""
    rows = []
    for phase, items in phases.items():
        for question, item in zip(questions, items or []):
            if item is not None:
                rows.append({"questionId": question.id, "phase": phase, "answer": item["answer"],
                             "keyFacts": item.get("keyFacts"), "exactMatch": item["exactMatch"], "tokenF1": item["f1"],
                             "contained": item["contained"], "judge": _judge_verdict(item)})
    return rows


def retention_summary(questions: list, phases: dict[str, list[dict | None]]) -> dict:
    """The retention exam (general knowledge, closed book) before and after training: the share with its key facts,
    null for a phase not run. The service flags a drop past its threshold."""
    share = lambda p: _mean([i for i in phases[p] if i is not None], RECOVERY_METRIC) if p in phases else None  # noqa: E731
    return {"questions": len(questions), "metric": RECOVERY_METRIC, "before": share("retentionBefore"),
            "after": share("retentionAfter")}


def context_summary(questions: list, read: list, window: int | None, answer_tokens: int) -> dict:
    """How the contexts met the model's window: `cut`, questions asked in context on fewer retrieved passages than
    the service sent (each in-context item says how many: `passages`); `dropped`, questions whose context did not
    fit at all (no in-context score)."""
    return {"window": window, "answerTokens": answer_tokens,
            "cut": sum(1 for q, r in zip(questions, read) if r.context and q.passages and r.passages != q.passages),
            "dropped": sum(1 for q, r in zip(questions, read) if q.context and not r.context)}


def recall(questions: list, phases: dict[str, list[dict | None]]) -> dict:
    """Per phase: the share of questions with the reference's key facts / answered exactly / containing the
    reference / judged correct and the mean token F1, overall and by direction; a phase not run is null. The
    recovery ratio (after - before) / (inContext - before) is taken over the questions scored in all three phases,
    per metric (`recoveryRatioBy`); `recoveryRatio` is RECOVERY_METRIC's, named in `recoveryRatioMetric`; null where
    a phase is missing or in-context is no better than before."""
    out: dict = {}
    for phase in PHASES:
        if phase not in phases:
            out[phase] = None
            continue
        scored = [(q, i) for q, i in zip(questions, phases[phase]) if i is not None]
        summary = _rates([i for _, i in scored])
        summary["byDirection"] = {d: _rates([i for q, i in scored if q.direction == d])
                                  for d in ("forward", "reverse") if any(q.direction == d for q, _ in scored)}
        out[phase] = summary
    ratios = dict.fromkeys(METRICS)
    if all(p in phases for p in PHASES):
        common = [k for k in range(len(questions)) if all(phases[p][k] is not None for p in PHASES)]
        for metric in METRICS:
            before, ceiling, after = (_mean([phases[p][k] for k in common], metric, None) for p in PHASES)
            if None not in (before, ceiling, after) and ceiling - before > 0:
                ratios[metric] = round((after - before) / (ceiling - before), 4)
    out["recoveryRatio"] = ratios[RECOVERY_METRIC]
    out["recoveryRatioMetric"] = RECOVERY_METRIC
    out["recoveryRatioBy"] = ratios
    return out


def question_table(questions: list, phases: dict[str, list[dict | None]]) -> list[dict]:
    """report.json's per-question list: the question, its reference and each phase's answer and scores."""
    strip = lambda d: {k: v for k, v in d.items() if k not in ("question", "reference")} if d else None  # noqa: E731
    return [{"id": q.id, "question": q.question, "reference": q.answer, "factId": q.fact_id, "direction": q.direction,
             **{p: strip(phases[p][k]) for p in PHASES if p in phases}} for k, q in enumerate(questions)]


def training_summary(trainer, result, train_log: list[dict], eval_log: list[dict], seconds: float, **extra) -> dict:
    tokens = trainer.state.num_input_tokens_seen
    return {
        "steps": trainer.state.global_step,
        "epochs": round(trainer.state.epoch or 0, 4),
        "trainLoss": round(result.training_loss, 6),
        "firstLoss": train_log[0]["loss"] if train_log else None,
        "lastLoss": train_log[-1]["loss"] if train_log else None,
        "finalEvalLoss": eval_log[-1]["evalLoss"] if eval_log else None,
        "seconds": round(seconds, 2),
        "tokens": tokens,
        "tokensPerSecond": round(tokens / seconds, 1) if seconds > 0 else None,
        **extra,
    }


def assemble(*, questions: list, phases: dict, judged: bool, training: dict | None, train_log: list[dict],
             eval_log: list[dict], probe: dict | None, header: dict, retention: dict | None = None,
             contexts: dict | None = None) -> tuple[dict, dict]:
    """(metrics, report) for a run: metrics.json (summaries, recall with retention and the in-context phase's
    `contexts`, training, loss histories) and report.json (the same plus every question's answers)."""
    summaries = {p: summarise([i for i in phases[p] if i is not None], judged) if p in phases and questions else None
                 for p in PHASES}
    scores = recall(questions, phases)
    if retention is not None:
        scores["retention"] = retention
    if contexts is not None and scores["inContext"] is not None:
        scores["inContext"]["contexts"] = contexts
    metrics = {**summaries, "recall": scores, "training": training, "lossHistory": train_log,
               "evalLossHistory": eval_log}
    if probe:
        metrics["probe"] = probe
    report = {**header, **summaries, "recall": scores, "training": training, "probe": probe,
              "questions": question_table(questions, phases)}
    return metrics, report


def write_reports(out: Path, metrics: dict, report: dict, plot_title: str) -> None:
    write_json(out / "metrics.json", metrics)
    write_json(out / "report.json", report)
    (out / "report.md").write_text(render_markdown(report), encoding="utf-8")
    plot_loss(metrics["lossHistory"], metrics["evalLossHistory"], out / "loss.png", title=plot_title)


def loss_history(log_history: list[dict]) -> tuple[list[dict], list[dict]]:
    train = [{"step": e["step"], "epoch": e.get("epoch"), "loss": e["loss"], "learningRate": e.get("learning_rate")}
             for e in log_history if "loss" in e]
    evals = [{"step": e["step"], "epoch": e.get("epoch"), "evalLoss": e.get("eval_loss", e.get("eval_test_loss"))}
             for e in log_history if "eval_loss" in e or "eval_test_loss" in e]
    return train, evals


def held_out_history(log_history: list[dict]) -> list[dict]:
    """The loss on the held-out slice of the training rows, at each evaluation (early stopping watches it)."""
    return [{"step": e["step"], "epoch": e.get("epoch"), "heldOutLoss": e["eval_heldOut_loss"]}
            for e in log_history if "eval_heldOut_loss" in e]


def early_stopping_summary(state, held_out: list[dict], patience: int, rows: int) -> dict:
    """Whether the run stopped before its planned steps, and where the held-out loss was best (the adapter kept)."""
    best = min(held_out, key=lambda e: e["heldOutLoss"]) if held_out else None
    return {"patience": patience, "heldOutRows": rows, "stoppedEarly": state.global_step < state.max_steps,
            "plannedSteps": state.max_steps, "bestStep": best["step"] if best else None,
            "bestHeldOutLoss": best["heldOutLoss"] if best else None, "heldOutLosses": held_out}


def probe_result(evals: list[dict]) -> dict:
    """Where eval loss stops improving: the minimum, and the first measurement after it that is higher."""
    if not evals:
        return {"evalLosses": [], "note": "no eval loss measured (empty test split?)"}
    best = min(range(len(evals)), key=lambda i: evals[i]["evalLoss"])
    result = {"evalLosses": evals, "bestStep": evals[best]["step"], "bestEpoch": evals[best]["epoch"],
              "bestEvalLoss": evals[best]["evalLoss"], "turnsUpAtStep": None, "turnsUpAtEpoch": None}
    if best < len(evals) - 1:
        result["turnsUpAtStep"] = evals[best + 1]["step"]
        result["turnsUpAtEpoch"] = evals[best + 1]["epoch"]
        result["suggestedEpochs"] = max(1, math.ceil(round(evals[best]["epoch"] or 0, 6)))
        result["note"] = "eval loss turned up; train about suggestedEpochs epochs"
    else:
        result["suggestedEpochs"] = None
        result["note"] = "eval loss still falling at the end of the probe; try more epochs"
    return result


def plot_loss(train: list[dict], evals: list[dict], path: Path, title: str = "") -> Path | None:
    if not train and not evals:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    if train:
        ax.plot([e["step"] for e in train], [e["loss"] for e in train], label="train loss", lw=1)
    if evals:
        ax.plot([e["step"] for e in evals], [e["evalLoss"] for e in evals], "o-", label="eval loss", lw=1.5)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title or "loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _pct(s: dict | None) -> str:
    return f"{s['correct']} / {s['total']} correct" if s else "not evaluated"


def render_markdown(report: dict) -> str:
    before, in_context, after = (report.get(p) or {} for p in PHASES)
    lines = [f"# Training report: {report.get('baseModel', '')}", ""]
    if before or after:
        crit = (after or before).get("criterion", "")
        ratio = (report.get("recall") or {}).get("recoveryRatio")
        lines += [f"- before training: **{_pct(before)}**",
                  f"- in context (the source text in the prompt): **{_pct(in_context or None)}**",
                  f"- after training: **{_pct(after or None)}**",
                  f"- recovery ratio (after - before) / (in context - before), on key facts: {ratio}",
                  f"- correct means: {'the LLM judge said CORRECT' if crit == 'judge' else 'the answer states the reference answer’s key facts (its numbers, names and distinguishing words)'}",
                  f"- exact match before/in context/after: {before.get('exactMatch')} / {in_context.get('exactMatch')} / "
                  f"{after.get('exactMatch')}; mean token F1: {before.get('meanF1')} / {in_context.get('meanF1')} / "
                  f"{after.get('meanF1')}", ""]
    train = report.get("training") or {}
    if train:
        lines += ["## Training", ""] + [f"- {k}: {v}" for k, v in train.items()] + [""]
    probe = report.get("probe")
    if probe:
        lines += ["## Probe (constant LR)", "", f"- {probe.get('note')}",
                  f"- best eval loss {probe.get('bestEvalLoss')} at step {probe.get('bestStep')} (epoch {probe.get('bestEpoch')})",
                  f"- turns up at step {probe.get('turnsUpAtStep')} (epoch {probe.get('turnsUpAtEpoch')})", ""]
    questions = report.get("questions", [])
    if questions:
        lines += ["## Questions", "", "| # | question | reference | before | in context | after |",
                  "|---|---|---|---|---|---|"]
        cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")[:300]  # noqa: E731

        def answer(item):
            return f"{'✅' if item.get('correct') else '❌'} {cell(item.get('answer', ''))}" if item else "–"

        for n, q in enumerate(questions, 1):
            lines.append(f"| {n} | {cell(q['question'])} | {cell(q['reference'])} | {answer(q.get('before'))} | "
                         f"{answer(q.get('inContext'))} | {answer(q.get('after'))} |")
    return "\n".join(lines) + "\n"


def write_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def thin_metrics(metrics: dict, max_points: int = 1000) -> dict:
    """Keep the complete call small on long runs: at most `max_points` loss points (always the last one)."""
    out = dict(metrics)
    for key in ("lossHistory", "evalLossHistory"):
        points = metrics.get(key) or []
        if len(points) > max_points:
            stride = -(-len(points) // max_points)
            kept = points[::stride]
            out[key] = kept if kept[-1] is points[-1] else kept[:-1] + [points[-1]]
    return out
