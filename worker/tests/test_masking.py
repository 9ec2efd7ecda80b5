from transformers import AutoTokenizer

from conftest import PAIRS, SYSTEM, chat
from qaforge_worker.masking import choose_strategy, tokenize_with_assistant_mask


def test_fallback_masks_equal_the_template_markers_masks(tiny_model, tiny_model_plain_template):
    marked = AutoTokenizer.from_pretrained(tiny_model)
    plain = AutoTokenizer.from_pretrained(tiny_model_plain_template)
    assert choose_strategy(marked) == "template"
    assert choose_strategy(plain) == "prefix-diff"
    messages = chat(PAIRS[0], PAIRS[1], system=SYSTEM)["messages"]
    native = marked.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    ours = tokenize_with_assistant_mask(marked, messages)
    assert ours["input_ids"] == list(native["input_ids"])
    # The ChatML newline after <|im_end|> is outside the markers but inside our span; everything else agrees.
    newline = marked.encode("\n", add_special_tokens=False)
    diff = [i for i, (a, b) in enumerate(zip(ours["assistant_masks"], native["assistant_masks"])) if a != b]
    assert all(ours["input_ids"][i] in newline for i in diff) and len(diff) <= 2


def test_fallback_mask_covers_exactly_the_answers_and_end_of_turn(tiny_model_plain_template):
    tok = AutoTokenizer.from_pretrained(tiny_model_plain_template)
    messages = chat(PAIRS[0], PAIRS[1])["messages"]
    item = tokenize_with_assistant_mask(tok, messages)
    trained = tok.decode([t for t, m in zip(item["input_ids"], item["assistant_masks"]) if m])
    assert trained == PAIRS[0][1] + "<|im_end|>\n" + PAIRS[1][1] + "<|im_end|>\n"
    assert PAIRS[0][0] not in trained


def test_a_template_whose_markers_leave_out_the_end_of_turn_token_is_masked_by_prefix_diff(tiny_model):
    """TRL's `is_chat_template_stop_token_trained` finds `<|im_end|>` outside the markers: with the template's own
    masks the model would never learn to stop, so the worker masks by prefix diff, which includes it."""
    from qaforge_worker.masking import DEFAULT_CHATML

    tok = AutoTokenizer.from_pretrained(tiny_model)
    tok.chat_template = DEFAULT_CHATML.replace(
        "{%- generation %}{{- message['content'] + '<|im_end|>' }}{%- endgeneration %}",
        "{%- generation %}{{- message['content'] }}{%- endgeneration %}{{- '<|im_end|>' }}")
    assert "{%- endgeneration %}{{- '<|im_end|>' }}" in tok.chat_template
    assert choose_strategy(tok) == "prefix-diff"
    item = tokenize_with_assistant_mask(tok, chat(PAIRS[0])["messages"])
    trained = tok.decode([t for t, m in zip(item["input_ids"], item["assistant_masks"]) if m])
    assert trained.startswith(PAIRS[0][1] + "<|im_end|>")
