"""Study documents mixed into training: text rows trained as continued pretraining beside the chat rows' SFT.

A run's data may hold, beside chat rows, text rows `{"text", "strategy", "chunkId"}`: study passages the service
wrote about the document (key concepts, implications, a teacher's explanation, ...). Research since the reference
recipe (EntiGraph, Active Reading, SPA, Synthetic Mixed Training) finds that pairs alone plateau and that such
documents close much of the gap to retrieval. A text row is trained with the loss on every token (plus EOS, so a
passage ends); a chat row keeps the loss on the assistant's turns only (masking.py).

Two orders, both used by the research:
- `interleaved`: one stream, text and chat rows shuffled together by the trainer, `study_ratio` text rows per chat
  row (default: every text row once) in each epoch;
- `cpt-then-sft`: continued pretraining first, every epoch of the text rows, then every epoch of the chat rows. The
  stream is laid out here, each pass shuffled with the run's seed, and read in order (`epochs` becomes 1), so it is
  still one trainer run: one LR schedule over both phases, and checkpoints, resume and progress as for any run.

Every row is tokenized here, with the labels' mask TRL builds the labels from (`assistant_masks`), chat rows the way
TRL itself would (its training template where it swaps one in) or by masking.py's prefix-diff.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from .masking import CHAT_TEMPLATE_KWARGS, tokenize_with_assistant_mask

ORDERS = ("interleaved", "cpt-then-sft")


def text_row(row: dict, where: str) -> dict:
    """Validate one study passage: non-empty `text`, and optional `strategy` and `chunkId` strings."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: a text row needs a non-empty 'text' string")
    for key in ("strategy", "chunkId"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise ValueError(f"{where}: '{key}' must be a string")
    return {"text": text, "strategy": row.get("strategy"), "chunkId": row.get("chunkId")}


def is_text(row: dict) -> bool:
    return "text" in row


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(chat rows, text rows), each in its order."""
    return [r for r in rows if not is_text(r)], [r for r in rows if is_text(r)]


def tokenize_text(tokenizer, text: str) -> dict:
    """Loss on every token: continued pretraining on the passage, ended by EOS."""
    ids = list(tokenizer(text)["input_ids"])
    if tokenizer.eos_token_id is not None and (not ids or ids[-1] != tokenizer.eos_token_id):
        ids.append(tokenizer.eos_token_id)
    return {"input_ids": ids, "assistant_masks": [1] * len(ids)}


def tokenize_chat(tokenizer, strategy: str, messages: list[dict]) -> dict:
    """Loss on the assistant's turns only, as TRL masks them (or masking.py's prefix-diff where TRL cannot)."""
    if strategy == "prefix-diff":
        return tokenize_with_assistant_mask(tokenizer, messages)
    template = tokenizer.chat_template
    if strategy == "trl-training-template":
        from trl.chat_template_utils import get_training_chat_template

        template = get_training_chat_template(tokenizer)
    out = tokenizer.apply_chat_template(messages, chat_template=template, tokenize=True, return_dict=True,
                                        return_assistant_tokens_mask=True, **CHAT_TEMPLATE_KWARGS)
    return {"input_ids": list(out["input_ids"]), "assistant_masks": list(out["assistant_masks"])}


def _passes(rows: list, epochs: float, rng: random.Random) -> list:
    """`epochs` passes over `rows`, each shuffled; a fractional epoch is the start of one more shuffled pass."""
    out = []
    for n in range(math.ceil(epochs)):
        order = rows[:]
        rng.shuffle(order)
        out += order[: round(len(order) * min(1.0, epochs - n))]
    return out


def training_stream(chat: list[dict], text: list[dict], order: str, ratio: float | None, epochs: float,
                    seed: int) -> tuple[list[dict], float]:
    """(rows in the stream, epochs the trainer runs over it). Interleaved: the chat rows and `ratio` text rows per
    chat row (drawn with the seed, repeating when there are fewer), shuffled by the trainer each epoch.
    CPT-then-SFT: every text pass, then every chat pass, to be read in order once."""
    rng = random.Random(seed)
    if order == "interleaved":
        if ratio is not None and text and chat:
            wanted = round(ratio * len(chat))
            pool = _passes(text, math.ceil(wanted / len(text)), rng)
            text = pool[:wanted]
        return chat + text, epochs
    if order == "cpt-then-sft":
        return _passes(text, epochs, rng) + _passes(chat, epochs, rng), 1.0
    raise ValueError(f"study order must be one of {', '.join(ORDERS)}: {order!r}")


def tokenize(rows: list[dict], tokenizer, strategy: str) -> list[dict]:
    """Every row as `input_ids` + `assistant_masks` (all ones for text), chat rows without an assistant token
    dropped as masking.pretokenize drops them."""
    out = []
    for row in rows:
        item = tokenize_text(tokenizer, row["text"]) if is_text(row) else \
            tokenize_chat(tokenizer, strategy, row["messages"])
        if 1 in item["assistant_masks"]:
            out.append(item)
    return out


@dataclass
class Mix:
    """A run's training data with study passages, ready for SFTTrainer: pre-tokenized rows, the epochs the trainer
    runs over them, whether it reads them in order (CPT-then-SFT) instead of shuffled, and how many passes over the
    text or the pairs that stream holds (an in-order stream is evaluated about once per pass)."""

    train: list[dict]
    epochs: float
    in_order: bool
    passes: int
    summary: dict  # metrics.training.study


def has_text(*splits: list[dict]) -> bool:
    return any(is_text(r) for rows in splits for r in rows)


def prepare(train: list[dict], test: list[dict], tokenizer, strategy: str, options) -> Mix | None:
    """The mix for a run (`RunOptions`) whose data has text rows; None when it has none (chat rows only: TRL as
    always). Its eval rows go through `tokenize` too, so that every set is masked alike."""
    if not has_text(train, test):
        return None
    worker, epochs = options.worker, options.sft.num_train_epochs
    if worker.probe and worker.study_order == "cpt-then-sft":
        raise ValueError("probe mode measures epochs of one shuffled dataset: use studyOrder interleaved with it")
    chat, text = split(train)
    stream, run_epochs = training_stream(chat, text, worker.study_order, worker.study_ratio, epochs, options.sft.seed)
    trained = sum(map(is_text, stream)) * run_epochs
    return Mix(tokenize(stream, tokenizer, strategy), run_epochs, in_order=worker.study_order == "cpt-then-sft",
               passes=math.ceil(epochs) * (bool(text) + bool(chat)),
               summary={"order": worker.study_order, "ratio": worker.study_ratio, "textRows": len(text),
                        "chatRows": len(chat), "textRowsTrained": round(trained),
                        "chatRowsTrained": round((len(stream) * run_epochs) - trained),
                        "strategies": sorted({r["strategy"] for r in text if r.get("strategy")})})
