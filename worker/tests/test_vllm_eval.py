"""`evalEngine: vllm` against a stand-in `vllm` package that records its calls (vLLM itself needs a GPU): the same
prompt token ids and greedy decoding as the transformers path, the adapter as a LoRA request after training."""

import importlib.machinery
import sys
import types
from pathlib import Path

import pytest

from conftest import exam
from qaforge_worker.data import exam_question
from qaforge_worker.evaluate import end_of_turn_ids, prompt_ids
from qaforge_worker.options import LocalOptions, with_params
from qaforge_worker.train import run_training

ANSWER = "The ball is bright orange."


class StandIn:
    """The vLLM API the worker uses, recording every call; each prompt is answered ANSWER."""

    def __init__(self, tokenizer):
        self.calls = []
        test = self

        class LLM:
            def __init__(self, **kwargs):
                test.calls.append(("LLM", kwargs))

            def generate(self, prompts, sampling_params, *, use_tqdm=True, lora_request=None):
                saved = lora_request is not None and (Path(lora_request.lora_path) / "adapter_config.json").exists()
                test.calls.append(("generate", {"prompts": prompts, "sampling": sampling_params, "lora": lora_request,
                                                "adapterSaved": saved}))
                end = tokenizer.convert_tokens_to_ids("<|im_end|>")
                ids = tokenizer(ANSWER, add_special_tokens=False)["input_ids"] + [end]
                return [types.SimpleNamespace(outputs=[types.SimpleNamespace(token_ids=ids)]) for _ in prompts]

            def sleep(self, level):
                test.calls.append(("sleep", {"level": level}))

            def wake_up(self):
                test.calls.append(("wake_up", {}))

        def record(name):
            return lambda **kwargs: types.SimpleNamespace(kind=name, **kwargs)

        self.modules = {"vllm": module("vllm", LLM=LLM, SamplingParams=record("SamplingParams")),
                        "vllm.inputs": module("vllm.inputs", TokensPrompt=lambda **kwargs: dict(kwargs)),
                        "vllm.lora": module("vllm.lora"),
                        "vllm.lora.request": module("vllm.lora.request", LoRARequest=record("LoRARequest"))}

    def of(self, name):
        return [args for call, args in self.calls if call == name]


def module(name, **attributes):
    mod = types.ModuleType(name)
    mod.__spec__ = importlib.machinery.ModuleSpec(name, None)  # what importlib.util.find_spec reads
    mod.__dict__.update(attributes)
    return mod


@pytest.fixture()
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


@pytest.fixture()
def vllm(monkeypatch, tokenizer):
    import torch

    stand_in = StandIn(tokenizer)
    for name, mod in stand_in.modules.items():
        monkeypatch.setitem(sys.modules, name, mod)
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda *device: (8 << 30, 10 << 30))
    return stand_in


def test_every_phase_is_asked_through_vllm_with_the_same_prompts_and_decoding(vllm, tokenizer, tiny_model, dataset_dir,
                                                                              tmp_path):
    questions = [exam_question(q, "test") for q in exam()]
    options = with_params({"evalEngine": "vllm", "maxSteps": 2, "loraR": 12, "evalMaxNewTokens": 16,
                           "evalLoss": False, "merge": True}).for_run(tiny_model, tmp_path)
    result = run_training(options, LocalOptions(dataset=str(dataset_dir)), exam=questions)

    (engine,) = vllm.of("LLM")
    assert engine["model"] == str(tiny_model)
    assert engine["enable_lora"] is True and engine["max_lora_rank"] == 16, "the smallest rank vLLM takes above 12"
    assert engine["gpu_memory_utilization"] == pytest.approx(0.9 * 0.8), "of the memory free beside the model to train"
    assert [call for call, _ in vllm.calls] == ["LLM", "generate", "generate", "sleep", "wake_up", "generate"]

    before, in_context, after = vllm.of("generate")
    asked = [q for q in questions if q.context]
    assert [p["prompt_token_ids"] for p in before["prompts"]] == [prompt_ids(tokenizer, q) for q in questions]
    assert [p["prompt_token_ids"] for p in in_context["prompts"]] == [prompt_ids(tokenizer, q, True) for q in asked]
    assert after["prompts"] == before["prompts"], "after training: the same closed-book prompts"
    for call in (before, in_context, after):
        sampling = call["sampling"]
        assert (sampling.temperature, sampling.repetition_penalty, sampling.max_tokens) == (0.0, 1.0, 16)
        assert sampling.stop_token_ids == end_of_turn_ids(tokenizer)
    assert before["lora"] is None and in_context["lora"] is None
    assert after["lora"].lora_int_id == 1 and after["adapterSaved"], "the trained adapter, saved before it is asked"

    assert {row["answer"] for row in result.results} == {ANSWER}, "decoded by the run's tokenizer, end of turn dropped"
    assert result.recall["after"]["questions"] == len(questions)
    assert (tmp_path / "adapter_model.safetensors").exists()
    from safetensors.torch import load_file

    layer = "model.layers.0.self_attn.q_proj.weight"
    merged, base = (load_file(d / "model.safetensors")[layer] for d in (tmp_path / "merged", tiny_model))
    assert not merged.equal(base), "the merged model has the adapter in it, though vLLM scored it unmerged"


def test_a_worker_without_vllm_refuses_the_engine_before_loading_anything(tiny_model, tmp_path):
    options = with_params({"evalEngine": "vllm"}).for_run(tmp_path / "no-such-model", tmp_path / "out")
    with pytest.raises(ValueError, match=r"vLLM is not installed on this worker"):
        run_training(options, LocalOptions(evaluate_only=True), exam=[exam_question(exam()[0], "test")])


def test_the_engine_is_a_closed_choice():
    with pytest.raises(ValueError, match="evalEngine='tensorrt' must be one of transformers, vllm"):
        with_params({"evalEngine": "tensorrt"})
