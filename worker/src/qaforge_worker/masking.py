"""Loss on assistant turns only, whatever chat template the base model ships.

TRL's `assistant_only_loss` needs `{% generation %}` markers in the chat template. Three cases:

1. the template has the markers -> TRL does the masking itself (`"template"`);
2. TRL knows a training twin of the template (Qwen2.5/3, Llama 3, Gemma, Phi-3, ...) -> TRL swaps it in for
   training only; the saved tokenizer keeps the model's own template (`"trl-training-template"`);
   in both cases only if TRL's `is_chat_template_stop_token_trained` finds the end-of-turn token inside the
   markers: a template that leaves it to the next message would never teach the model to stop;
3. otherwise -> we tokenize ourselves (`"prefix-diff"`): render the conversation up to each assistant turn with
   `add_generation_prompt=True` and up to the end of that turn; the characters in between are the assistant's
   reply (including its end-of-turn token, so the model learns to stop). Tokens whose character span starts
   there are marked. This needs only a prefix-preserving template, which nearly every chat template is.
   The pre-tokenized `input_ids` + `assistant_masks` go to SFTTrainer, which builds the labels from them.

A tokenizer with no chat template at all (a base model) gets ChatML with generation markers whose turns end with
the tokenizer's own EOS token instead of `<|im_end|>` (`"default-chatml"`). `<|im_end|>` is not a token of such a
vocabulary: it would be learnt as a few text pieces no generation stops on, so answers would run to the length cap.
The EOS is one token that the model and every generation config already stop on, and nothing is added to the
vocabulary, so the adapter loads on the unchanged base model and no embedding rows need training. The template is
saved with the adapter, so inference prompts exactly as training did.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

DEFAULT_CHATML = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}"
    "{{- '\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def chatml_ending_with(end_of_turn: str) -> str:
    """DEFAULT_CHATML with `end_of_turn` in place of `<|im_end|>`."""
    return DEFAULT_CHATML.replace("<|im_end|>", end_of_turn.replace("\\", "\\\\").replace("'", "\\'"))


def choose_strategy(tokenizer) -> str:
    from trl.chat_template_utils import (get_training_chat_template, has_generation_markers,
                                         is_chat_template_stop_token_trained)

    if not tokenizer.chat_template:
        if tokenizer.eos_token is None:
            raise ValueError("the tokenizer has neither a chat template nor an EOS token, so answers could not "
                             "learn to stop; supply a tokenizer with a chat template")
        log.warning("tokenizer has no chat template; using ChatML ending each turn with its EOS token %r",
                    tokenizer.eos_token)
        tokenizer.chat_template = chatml_ending_with(tokenizer.eos_token)
        return "default-chatml"
    if has_generation_markers(tokenizer.chat_template):
        template, strategy = tokenizer.chat_template, "template"
    else:
        try:
            template, strategy = get_training_chat_template(tokenizer), "trl-training-template"
        except ValueError:
            return "prefix-diff"
    if not is_chat_template_stop_token_trained(tokenizer, template):
        log.warning("the chat template's end-of-turn token is outside its assistant markers; masking by prefix diff")
        return "prefix-diff"
    return strategy


# The chat-template arguments of every rendering, training and evaluation alike, so that a question is asked with
# exactly the start of the conversation the model was trained on. Templates without a thinking switch ignore it.
CHAT_TEMPLATE_KWARGS = {"enable_thinking": False}


def render(tokenizer, messages: list[dict], **kw) -> str:
    """The conversation as the chat template writes it, with the worker's one set of template arguments."""
    return tokenizer.apply_chat_template(messages, tokenize=False, **CHAT_TEMPLATE_KWARGS, **kw)


def assistant_char_spans(tokenizer, messages: list[dict]) -> tuple[str, list[tuple[int, int]]]:
    full = render(tokenizer, messages)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = render(tokenizer, messages[:i], add_generation_prompt=True) if i else ""
        through = render(tokenizer, messages[: i + 1])
        if not full.startswith(before) or not full.startswith(through) or len(through) < len(before):
            raise ValueError("the chat template is not prefix-preserving, so assistant turns cannot be located; "
                             "supply a tokenizer whose chat template has {% generation %} markers")
        spans.append((len(before), len(through)))
    return full, spans


def tokenize_with_assistant_mask(tokenizer, messages: list[dict]) -> dict:
    """{"input_ids": [...], "assistant_masks": [0/1 ...]} for one conversation."""
    text, spans = assistant_char_spans(tokenizer, messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = []
    for start, end in enc["offset_mapping"]:
        inside = any(lo <= start < hi for lo, hi in spans) and end > start
        mask.append(1 if inside else 0)
    return {"input_ids": list(enc["input_ids"]), "assistant_masks": mask}


def pretokenize(rows: list[dict], tokenizer) -> list[dict]:
    out = []
    for row in rows:
        item = tokenize_with_assistant_mask(tokenizer, row["messages"])
        if 1 in item["assistant_masks"]:
            out.append(item)
    return out
