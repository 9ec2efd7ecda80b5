"""Recall evaluation: greedy answers to held-out questions, scored before and after training."""

from __future__ import annotations

import dataclasses
import logging
from contextlib import contextmanager
from typing import Callable

from .data import QAPair
from .judge import Judge
from .masking import render
from .report import summarise
from .scoring import score

log = logging.getLogger(__name__)

# The decoding of every phase and every model: greedy, and every penalty neutral. A model's own generation_config
# may carry a repetition penalty or no_repeat_ngram_size, which punish copying the prompt: the in-context phase
# would be pushed down, by a different amount for each model.
DECODING = dict(do_sample=False, num_beams=1, repetition_penalty=1.0, no_repeat_ngram_size=0, length_penalty=1.0,
                encoder_repetition_penalty=1.0, min_new_tokens=0, use_cache=True)


def end_of_turn_ids(tokenizer) -> list[int]:
    """The EOS token and the token the chat template ends an assistant turn with (`<|im_end|>`, `<|eot_id|>`,
    `<end_of_turn>`, ...), found by rendering one reply and reading what follows it."""
    ids = {tokenizer.eos_token_id} - {None}
    reply = "qaforge-reply"
    try:
        turn = render(tokenizer, [{"role": "user", "content": "?"}, {"role": "assistant", "content": reply}])
    except Exception as exc:  # noqa: BLE001 - a template that renders no reply still has the EOS token
        log.warning("could not find the chat template's end-of-turn token: %s", exc)
        return sorted(ids)
    after = turn[turn.rfind(reply) + len(reply):].lstrip(" ")
    first = tokenizer.encode(after, add_special_tokens=False)[:1]
    if first and first[0] in set(tokenizer.all_special_ids):
        ids.add(first[0])
    return sorted(ids)


def generation_config(tokenizer, max_new_tokens: int):
    """The one explicit GenerationConfig of every phase (see DECODING), stopping at the template's end of turn."""
    from transformers import GenerationConfig

    eos = end_of_turn_ids(tokenizer)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos[0]
    return GenerationConfig(**DECODING, max_new_tokens=max_new_tokens, eos_token_id=eos, pad_token_id=pad)


def describe(config) -> dict:
    """The decoding as the run's report records it."""
    camel = lambda name: name.split("_")[0] + "".join(w.title() for w in name.split("_")[1:])  # noqa: E731
    return {camel(k): getattr(config, k) for k in (*DECODING, "max_new_tokens", "eos_token_id", "pad_token_id")}


@contextmanager
def _only(model, config):
    """`generate` fills whatever a GenerationConfig leaves unset from the model's own generation_config; for the
    call, that is `config` too, so nothing of the model's is inherited."""
    target = model.get_base_model() if hasattr(model, "get_base_model") else model
    own = target.generation_config
    target.generation_config = config
    try:
        yield
    finally:
        target.generation_config = own


def prompt_messages(pair: QAPair, in_context: bool = False) -> list[dict]:
    """Closed book: the question alone (after the system message, if any). In context: the question's source text
    first, in the user turn (every chat template has one; not all have a system role)."""
    messages = [{"role": "system", "content": pair.system}] if pair.system else []
    question = pair.question
    if in_context:
        question = f"Answer from this text.\n\n{pair.context}\n\nQuestion: {pair.question}"
    return messages + [{"role": "user", "content": question}]


def prompt_ids(tokenizer, pair: QAPair, in_context: bool = False) -> list[int]:
    """The prompt's token ids: the chat template rendered exactly as for training, up to the assistant's turn."""
    text = render(tokenizer, prompt_messages(pair, in_context), add_generation_prompt=True)
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def context_window(model) -> int | None:
    """The most positions the model reads (prompt and answer together); None when its config does not say."""
    return getattr(model.config.get_text_config(), "max_position_embeddings", None)


def fit_context(tokenizer, pair: QAPair, room: int | None) -> QAPair:
    """The question with the context the model can read: its in-context prompt must take `room` tokens or fewer
    (the window less the answer's). Of retrieved passages (best first) the most that fit are kept, joined as the
    service joins them; a context that does not fit even so is dropped: the question then gets no in-context score,
    rather than one on text the model never saw."""
    if pair.context is None or room is None:
        return pair
    passages = pair.passages or [pair.context]
    for kept in range(len(passages), 0, -1):
        fitted = dataclasses.replace(pair, context="\n\n".join(passages[:kept]),
                                     passages=passages[:kept] if pair.passages else None)
        if len(prompt_ids(tokenizer, fitted, in_context=True)) <= room:
            return fitted
    return dataclasses.replace(pair, context=None, passages=None)


def answer_text(decoded: str) -> str:
    """A decoded answer as stored: without the NUL characters a byte-level vocabulary can produce, which the
    service refuses (PostgreSQL text cannot hold them) and would fail the whole run's delivery."""
    return decoded.replace("\x00", "").strip()


def generate_answers(model, tokenizer, pairs: list[QAPair], *, batch_size: int = 8, max_new_tokens: int = 128,
                     should_stop: Callable[[], None] | None = None, in_context: bool = False,
                     config=None) -> list[str]:
    """Greedy answers with `config` (default: `generation_config`), in batches of prompts of similar length (left
    padded, so little padding is computed); a batch that runs out of CUDA memory is retried at half the size, and
    the smaller size kept. `should_stop` may raise to abort between batches."""
    import torch

    config = config or generation_config(tokenizer, max_new_tokens)
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    prompts = [prompt_ids(tokenizer, p, in_context) for p in pairs]
    order = sorted(range(len(pairs)), key=lambda i: len(prompts[i]))
    answers: list[str] = [""] * len(pairs)
    done, size = 0, max(1, batch_size)
    try:
        with _only(model, config), torch.inference_mode():
            while done < len(order):
                if should_stop:
                    should_stop()
                batch = order[done:done + size]
                width = max(len(prompts[i]) for i in batch)
                ids = torch.tensor([[config.pad_token_id] * (width - len(prompts[i])) + prompts[i] for i in batch],
                                   device=device)
                mask = torch.tensor([[0] * (width - len(prompts[i])) + [1] * len(prompts[i]) for i in batch],
                                    device=device)
                try:
                    out = model.generate(input_ids=ids, attention_mask=mask, generation_config=config)
                except torch.OutOfMemoryError:
                    if size == 1:
                        raise
                    size //= 2
                    log.warning("evaluation ran out of GPU memory; batches of %d from now on", size)
                    torch.cuda.empty_cache()
                    continue
                for i, text in zip(batch, tokenizer.batch_decode(out[:, width:], skip_special_tokens=True)):
                    answers[i] = answer_text(text)
                done += len(batch)
    finally:
        if was_training:
            model.train()
    return answers


def evaluate(model, tokenizer, pairs: list[QAPair], *, judge: Judge | None = None, batch_size: int = 8,
             max_new_tokens: int = 128, should_stop: Callable[[], None] | None = None,
             in_context: bool = False, config=None, engine=None) -> dict:
    """Returns {"summary": {...}, "items": [...]}, one item per pair. "correct" is the judge's CORRECT when a judge
    is set, else "key facts" (`scoring.key_facts`). The answers come from `engine` when set (`vllm_eval`), else
    from `model`."""
    if engine is not None:
        answers = engine.answers(tokenizer, pairs, config or generation_config(tokenizer, max_new_tokens), in_context)
    else:
        answers = generate_answers(model, tokenizer, pairs, batch_size=batch_size, max_new_tokens=max_new_tokens,
                                   should_stop=should_stop, in_context=in_context, config=config)
    items = [{"question": p.question, "reference": p.answer, "answer": a, **score(a, p.answer, p.question)}
             for p, a in zip(pairs, answers)]
    if judge is not None:
        verdicts = judge.grade_all([(p.question, p.answer, a) for p, a in zip(pairs, answers)], should_stop=should_stop)
        for item, verdict in zip(items, verdicts):
            item["judge"] = verdict.get("grade")
            if verdict.get("error"):
                item["judgeError"] = verdict["error"]
            item["correct"] = verdict.get("grade") == "CORRECT"
    else:
        for item in items:
            item["correct"] = item["keyFacts"]
    return {"summary": summarise(items, judged=judge is not None), "items": items}
