"""A tiny random-init Qwen2-style model and a locally trained BPE tokenizer, built offline.

This is TRL's own offline-testing pattern: nothing is downloaded; the model is saved to a directory
and loaded back by path exactly as a real base model would be.
"""

from __future__ import annotations

import json
from pathlib import Path

from qaforge_worker.masking import DEFAULT_CHATML

# ChatML, as Qwen2 uses it, with `{% generation %}` markers around the assistant's reply so that
# `return_assistant_tokens_mask` (and TRL's `assistant_only_loss`) can find the assistant tokens: the worker's own.
CHATML_WITH_GENERATION = DEFAULT_CHATML

# The same template without markers, as most real instruct models ship it.
CHATML_PLAIN = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


def build_tokenizer(corpus: list[str], vocab_size: int = 600, chat_template: str | None = CHATML_WITH_GENERATION,
                    base: bool = False):
    """`base`: like a pretrained base model: one special token (EOS = pad), no ChatML tokens, no chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS[:1] if base else SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    if base:
        return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>"],
    )
    fast.chat_template = chat_template
    return fast


def build_tiny_model_dir(out: Path, corpus: list[str], hidden: int = 64, layers: int = 2,
                         chat_template: str = CHATML_WITH_GENERATION, seed: int = 0, base: bool = False,
                         generation: dict | None = None) -> Path:
    """`generation`: extra values for the saved generation_config (e.g. a repetition penalty, as instruct models
    ship)."""
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(corpus, chat_template=chat_template, base=base)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        intermediate_size=hidden * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=False,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config.eos_token_id = config.eos_token_id
    model.generation_config.pad_token_id = config.pad_token_id
    model.generation_config.update(**(generation or {}))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return path
