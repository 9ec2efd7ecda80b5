"""A GGUF checkpoint as a safetensors model directory.

transformers reads GGUF files (`gguf_file=`, needs the `gguf` package), dequantizing every tensor on each load
(about half a minute even for a 135M model) and refuses `save_pretrained` on the result. Converting once gives a
plain directory that loads in a second: a fresh model built from the GGUF's config without its quantization
entry, with the dequantized weights loaded into it.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path


def convert_gguf(gguf_file: str | Path, output: str | Path) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf_file, output = Path(gguf_file), Path(output)
    tokenizer = AutoTokenizer.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name)
    loaded = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32)
    config = copy.deepcopy(loaded.config)
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = copy.deepcopy(loaded.generation_config)
    # GGUF metadata may name a different EOS than the model config (SmolLM2's says <|im_start|>); the config's is
    # the one generation stops on, so the tokenizer follows it.
    eos = config.eos_token_id[0] if isinstance(config.eos_token_id, list) else config.eos_token_id
    if eos is not None and tokenizer.eos_token_id != eos:
        tokenizer.eos_token = tokenizer.convert_ids_to_tokens(eos)
    if tokenizer.pad_token is None and config.pad_token_id is not None:
        tokenizer.pad_token = tokenizer.convert_ids_to_tokens(config.pad_token_id)
    partial = output.with_name(output.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(output, ignore_errors=True)
    partial.rename(output)
    return output
