"""The exam's answers through vLLM (param `evalEngine: vllm`; the optional extra `qaforge-worker[vllm]`).

The same prompt token ids as the transformers path (`evaluate.prompt_ids`) and the same decoding: greedy, no
penalty, stopping at the template's end of turn, decoded by the run's tokenizer. The "after" phase asks the base
model with the trained adapter as a LoRA request, instead of merging it. The engine sleeps while the model trains
(its weights and KV cache leave the GPU) and wakes for the "after" phase.

Not yet measured on a real vLLM: the worker's tests run this module against a stand-in that records the calls.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from . import ranks
from .evaluate import answer_text, prompt_ids

# The values vLLM takes for max_lora_rank (1 is not taken by every version).
LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)
# Of the GPU memory free when the engine starts (the model to train is loaded by then): the rest stays free.
FREE_MEMORY_SHARE = 0.9


def require(options) -> None:
    """Refuses, before anything is loaded, a vLLM evaluation this worker cannot run."""
    if importlib.util.find_spec("vllm") is None:
        raise ValueError("evalEngine vllm: vLLM is not installed on this worker (pip install 'qaforge-worker[vllm]'); "
                         "use evalEngine transformers")
    if ranks.state().num_processes > 1:
        raise ValueError("evalEngine vllm: runs in one process; launch without accelerate/torchrun, or use "
                         "evalEngine transformers")
    if options.model.lora_r > LORA_RANKS[-1]:
        raise ValueError(f"evalEngine vllm: vLLM takes LoRA ranks up to {LORA_RANKS[-1]}, not loraR "
                         f"{options.model.lora_r}")


class VllmEngine:
    """One vLLM engine on the base model for every phase of a run; `adapter` (set once trained) is asked as LoRA."""

    def __init__(self, base_model: str, lora_rank: int):
        import torch
        from vllm import LLM

        free, total = torch.cuda.mem_get_info()
        self.llm = LLM(model=base_model, enable_lora=True, max_lora_rank=next(r for r in LORA_RANKS if r >= lora_rank),
                       gpu_memory_utilization=FREE_MEMORY_SHARE * free / total, enable_sleep_mode=True)
        self.adapter: Path | None = None

    def answers(self, tokenizer, pairs: list, config, in_context: bool = False) -> list[str]:
        """Greedy answers with the GenerationConfig's length and end-of-turn ids, in the pairs' order."""
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt
        from vllm.lora.request import LoRARequest

        sampling = SamplingParams(temperature=0.0, max_tokens=config.max_new_tokens,
                                  stop_token_ids=list(config.eos_token_id), repetition_penalty=1.0)
        lora = LoRARequest(lora_name="adapter", lora_int_id=1, lora_path=str(self.adapter)) if self.adapter else None
        prompts = [TokensPrompt(prompt_token_ids=prompt_ids(tokenizer, p, in_context)) for p in pairs]
        outputs = self.llm.generate(prompts, sampling, use_tqdm=False, lora_request=lora)
        return [answer_text(tokenizer.decode(out.outputs[0].token_ids, skip_special_tokens=True)) for out in outputs]

    def sleep(self) -> None:
        """Frees the GPU for training: level 1 moves the weights to CPU memory and drops the KV cache."""
        self.llm.sleep(level=1)

    def wake_up(self, adapter: Path) -> None:
        self.llm.wake_up()
        self.adapter = adapter
