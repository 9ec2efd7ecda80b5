"""Recall evaluation: greedy answers to held-out questions, scored before and after training."""

from __future__ import annotations

import logging
from typing import Callable

from .data import QAPair
from .judge import Judge
from .report import summarise
from .scoring import score

log = logging.getLogger(__name__)


def _eos_ids(model, tokenizer) -> list[int]:
    ids: set[int] = set()
    gen_eos = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(gen_eos, int):
        ids.add(gen_eos)
    elif gen_eos:
        ids.update(gen_eos)
    if tokenizer.eos_token_id is not None:
        ids.add(tokenizer.eos_token_id)
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    if isinstance(im_end, int) and im_end != tokenizer.unk_token_id:
        ids.add(im_end)
    return sorted(ids)


def prompt_messages(pair: QAPair, in_context: bool = False) -> list[dict]:
    """Closed book: the question alone (after the system message, if any). In context: the question's source text
    first, in the user turn (every chat template has one; not all have a system role)."""
    messages = [{"role": "system", "content": pair.system}] if pair.system else []
    question = pair.question
    if in_context:
        question = f"Answer from this text.\n\n{pair.context}\n\nQuestion: {pair.question}"
    return messages + [{"role": "user", "content": question}]


def generate_answers(model, tokenizer, pairs: list[QAPair], *, batch_size: int = 8, max_new_tokens: int = 128,
                     should_stop: Callable[[], None] | None = None, in_context: bool = False) -> list[str]:
    """Greedy answers, batched with left padding, prompted with the chat template the model was trained with
    (thinking off where the template has it). `should_stop` may raise to abort between batches."""
    import torch

    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    eos = _eos_ids(model, tokenizer)
    device = next(model.parameters()).device
    answers: list[str] = []
    try:
        for start in range(0, len(pairs), batch_size):
            if should_stop:
                should_stop()
            batch = pairs[start:start + batch_size]
            prompts = [tokenizer.apply_chat_template(prompt_messages(p, in_context), tokenize=False,
                                                     add_generation_prompt=True, enable_thinking=False)
                       for p in batch]
            enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            with torch.inference_mode():
                out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False, num_beams=1,
                                     pad_token_id=pad_id, eos_token_id=eos, use_cache=True,
                                     temperature=None, top_p=None, top_k=None)
            new = out[:, enc["input_ids"].shape[1]:]
            answers.extend(t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True))
    finally:
        tokenizer.padding_side = side
        if was_training:
            model.train()
    return answers


def evaluate(model, tokenizer, pairs: list[QAPair], *, judge: Judge | None = None, batch_size: int = 8,
             max_new_tokens: int = 128, should_stop: Callable[[], None] | None = None,
             in_context: bool = False) -> dict:
    """Returns {"summary": {...}, "items": [...]}, one item per pair. "correct" is the judge's CORRECT when a judge
    is set, else "answer contained" (normalised reference found in the normalised answer; exact match implies it)."""
    answers = generate_answers(model, tokenizer, pairs, batch_size=batch_size, max_new_tokens=max_new_tokens,
                               should_stop=should_stop, in_context=in_context)
    items = []
    for pair, answer in zip(pairs, answers):
        item = {"question": pair.question, "reference": pair.answer, "answer": answer, **score(answer, pair.answer)}
        if judge is not None:
            if should_stop:
                should_stop()
            verdict = judge.grade(pair.question, pair.answer, answer)
            item["judge"] = verdict.get("grade")
            if verdict.get("error"):
                item["judgeError"] = verdict["error"]
            item["correct"] = verdict.get("grade") == "CORRECT"
        else:
            item["correct"] = item["contained"]
        items.append(item)
    return {"summary": summarise(items, judged=judge is not None), "items": items}
