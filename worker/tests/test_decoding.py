"""One explicit decoding for every phase, and prompts rendered exactly as training renders them."""

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

from conftest import PAIRS, SYSTEM, corpus
from qaforge_worker.data import QAPair
from qaforge_worker.evaluate import describe, generate_answers, generation_config, prompt_ids, prompt_messages
from qaforge_worker.masking import CHAT_TEMPLATE_KWARGS, tokenize_with_assistant_mask
from tiny_model import CHATML_PLAIN, build_tiny_model_dir

# Like Qwen3's: with thinking switched off, the assistant's turn opens with an empty think block.
CHATML_THINKING = (
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{{- message['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)
PENALISED = {"repetition_penalty": 3.0, "no_repeat_ngram_size": 1}


@pytest.fixture(scope="module")
def penalised_model(tmp_path_factory):
    """The tiny model, shipped with a generation_config that penalises repetition, as many instruct models are."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-penalised"), corpus(), generation=PENALISED)


def _greedy(model, tok, pairs, **overrides):
    """Greedy answers the plain transformers way, inheriting the model's generation_config except `overrides`."""
    import torch

    answers = []
    for pair in pairs:
        ids = torch.tensor([prompt_ids(tok, pair)])
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=12, do_sample=False,
                             eos_token_id=generation_config(tok, 12).eos_token_id, **overrides)
        answers.append(tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip())
    return answers


def test_every_phase_decodes_greedy_without_the_models_penalties(penalised_model):
    tok = AutoTokenizer.from_pretrained(penalised_model)
    model = AutoModelForCausalLM.from_pretrained(penalised_model)
    assert model.generation_config.repetition_penalty == 3.0  # what the model ships
    pairs = [QAPair(q, a) for q, a in PAIRS]
    neutral = _greedy(model, tok, pairs, repetition_penalty=1.0, no_repeat_ngram_size=0)
    inherited = _greedy(model, tok, pairs)
    assert neutral != inherited, "the model's penalties change its answers, so this test can tell them apart"
    assert generate_answers(model, tok, pairs, max_new_tokens=12) == neutral
    assert generate_answers(model, tok, pairs, max_new_tokens=12, in_context=False, batch_size=2) == neutral
    assert model.generation_config.repetition_penalty == 3.0  # the model's own config is left as it was


def test_the_decoding_is_recorded_and_stops_at_the_templates_end_of_turn(tiny_model, tiny_base_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    recorded = describe(generation_config(tok, 64))
    assert recorded == {"doSample": False, "numBeams": 1, "repetitionPenalty": 1.0, "noRepeatNgramSize": 0,
                        "lengthPenalty": 1.0, "encoderRepetitionPenalty": 1.0, "minNewTokens": 0, "useCache": True,
                        "maxNewTokens": 64, "eosTokenId": [tok.convert_tokens_to_ids("<|im_end|>")],
                        "padTokenId": tok.pad_token_id}
    # A base model's ChatML ends turns with its EOS; a Llama-3-like template with a token of its own.
    base = AutoTokenizer.from_pretrained(tiny_base_model)
    from qaforge_worker.masking import choose_strategy
    choose_strategy(base)
    assert generation_config(base, 8).eos_token_id == [base.eos_token_id]
    tok.chat_template = CHATML_PLAIN.replace("<|im_end|>", "<|im_start|>")  # the end of turn is another token
    assert generation_config(tok, 8).eos_token_id == sorted({tok.eos_token_id, tok.convert_tokens_to_ids("<|im_start|>")})
    assert isinstance(generation_config(tok, 8), GenerationConfig)


@pytest.mark.parametrize("template", [None, CHATML_PLAIN, CHATML_THINKING])
@pytest.mark.parametrize("in_context,system", [(False, None), (False, SYSTEM), (True, SYSTEM)])
def test_the_evaluation_prompt_is_a_prefix_of_the_training_rendering(tiny_model, template, in_context, system):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    if template:
        tok.chat_template = template
    pair = QAPair(PAIRS[2][0], PAIRS[2][1], system=system, context="Harbour Hawks notes. " + PAIRS[2][1])
    conversation = prompt_messages(pair, in_context) + [{"role": "assistant", "content": pair.answer}]
    asked = prompt_ids(tok, pair, in_context)
    # Both ways training renders: the worker's own masking (prefix-diff), and TRL's (chat_template_kwargs per row).
    ours = tokenize_with_assistant_mask(tok, conversation)["input_ids"]
    trl = tok.apply_chat_template(conversation, tokenize=True, return_dict=True, **CHAT_TEMPLATE_KWARGS)["input_ids"]
    for trained in (ours, list(trl)):
        assert trained[:len(asked)] == asked
        assert len(trained) > len(asked)
