import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tiny models gain nothing from several intra-op threads, and on a shared 2-core machine OpenMP threads that
# spin-wait for each other slow training down 10x or more whenever anything else runs.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tiny_model import CHATML_PLAIN, build_tiny_model_dir, write_jsonl  # noqa: E402

# Five facts nobody else knows: a random-init model cannot answer them before training.
PAIRS = [
    ("What colour is the Harbour Hawks touch rugby ball?", "The ball is bright orange."),
    ("How many players does each Harbour Hawks team field?", "Six players per team."),
    ("How long is a Harbour Hawks match half?", "Each half lasts twenty minutes."),
    ("What happens after the sixth touch?", "The ball changes possession."),
    ("Who founded the Harbour Hawks club?", "Anna Berg founded the club."),
]
SYSTEM = "You answer questions about the Harbour Hawks touch rugby club."


def chat(*pairs, system=None):
    messages = [{"role": "system", "content": system}] if system else []
    for q, a in pairs:
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    return {"messages": messages}


def train_rows():
    """Two Q/A pairs per row, each pair once in first and once in second position (as the export packs them)."""
    n = len(PAIRS)
    return [chat(PAIRS[i], PAIRS[(i + 1) % n]) for i in range(n)]


def test_rows():
    return [chat(p) for p in PAIRS]


def corpus():
    text = [q + " " + a for q, a in PAIRS] + [SYSTEM, "system user assistant"]
    return text * 3


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Qwen2-style, 2 layers, hidden 64, ChatML template with {% generation %} markers."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-model"), corpus())


@pytest.fixture(scope="session")
def tiny_model_plain_template(tmp_path_factory) -> Path:
    """The same kind of model whose chat template has no generation markers (like most real instruct models)."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-model-plain"), corpus(), chat_template=CHATML_PLAIN)


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory) -> Path:
    """A base model: no chat template, and `<|im_end|>` is no token of its vocabulary (EOS is <|endoftext|>)."""
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-base"), corpus(), base=True)


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("dataset")
    write_jsonl(d / "train.jsonl", train_rows())
    write_jsonl(d / "test.jsonl", test_rows())
    return d


def exam(with_context=True):
    """The five facts as an exam the service would send: ids, facts, directions, and (all but the last) context."""
    return [{"id": f"e{n}", "question": q, "answer": a, "factId": n, "direction": "forward" if n % 2 else "reverse",
             "context": f"Harbour Hawks club notes. {a}" if with_context and n < len(PAIRS) else None}
            for n, (q, a) in enumerate(PAIRS, 1)]


def wait_until(condition, timeout=60.0, interval=0.02):
    """Poll `condition` until it is truthy (returns it) or fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
