"""Output files: metrics.json, report.json, report.md and the loss curve loss.png."""

from __future__ import annotations

import json
import math
from pathlib import Path


def loss_history(log_history: list[dict]) -> tuple[list[dict], list[dict]]:
    train = [{"step": e["step"], "epoch": e.get("epoch"), "loss": e["loss"], "learningRate": e.get("learning_rate")}
             for e in log_history if "loss" in e]
    evals = [{"step": e["step"], "epoch": e.get("epoch"), "evalLoss": e["eval_loss"]} for e in log_history if "eval_loss" in e]
    return train, evals


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


def _pct(s: dict) -> str:
    return f"{s['correct']} / {s['total']} correct" if s else "not evaluated"


def render_markdown(report: dict) -> str:
    before, after = report.get("before") or {}, report.get("after") or {}
    lines = [f"# Training report: {report.get('baseModel', '')}", ""]
    if before or after:
        crit = (after or before).get("criterion", "")
        lines += [f"- before training: **{_pct(before)}**", f"- after training: **{_pct(after)}**",
                  f"- correct means: {'the LLM judge said CORRECT' if crit == 'judge' else 'the normalised reference answer is contained in the answer'}",
                  f"- exact match before/after: {before.get('exactMatch')} / {after.get('exactMatch')}; "
                  f"mean token F1 before/after: {before.get('meanF1')} / {after.get('meanF1')}", ""]
    train = report.get("training", {})
    if train:
        lines += ["## Training", ""] + [f"- {k}: {v}" for k, v in train.items()] + [""]
    probe = report.get("probe")
    if probe:
        lines += ["## Probe (constant LR)", "", f"- {probe.get('note')}",
                  f"- best eval loss {probe.get('bestEvalLoss')} at step {probe.get('bestStep')} (epoch {probe.get('bestEpoch')})",
                  f"- turns up at step {probe.get('turnsUpAtStep')} (epoch {probe.get('turnsUpAtEpoch')})", ""]
    questions = report.get("questions", [])
    if questions:
        lines += ["## Questions", "", "| # | question | reference | before | after |", "|---|---|---|---|---|"]
        cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")[:300]  # noqa: E731
        mark = lambda ok: "✅" if ok else "❌"  # noqa: E731
        for n, q in enumerate(questions, 1):
            b, a = q.get("before") or {}, q.get("after") or {}
            lines.append(f"| {n} | {cell(q['question'])} | {cell(q['reference'])} | "
                         f"{mark(b.get('correct'))} {cell(b.get('answer', ''))} | {mark(a.get('correct'))} {cell(a.get('answer', ''))} |")
    return "\n".join(lines) + "\n"


def merge_items(before: dict | None, after: dict | None) -> list[dict]:
    b_items = (before or {}).get("items", [])
    a_items = (after or {}).get("items", [])
    n = max(len(b_items), len(a_items))
    out = []
    for i in range(n):
        src = (a_items[i] if i < len(a_items) else b_items[i])
        strip = lambda d: {k: v for k, v in d.items() if k not in ("question", "reference")} if d else None  # noqa: E731
        out.append({"question": src["question"], "reference": src["reference"],
                    "before": strip(b_items[i] if i < len(b_items) else None),
                    "after": strip(a_items[i] if i < len(a_items) else None)})
    return out


def write_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
