import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qaforge_worker.data import (_split_url, iter_pairs, load_dataset_source, read_jsonl, read_question_file)


def write(path, lines):
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rows_with_several_pairs_and_a_system_message_yield_every_pair(tmp_path):
    row = {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1"},
                        {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"},
                        {"role": "assistant", "content": "A2"}]}
    rows = read_jsonl(write(tmp_path / "t.jsonl", [json.dumps(row), "", json.dumps({"question": "Q3", "answer": "A3"})]))
    pairs = list(iter_pairs(rows))
    assert [(p.question, p.answer, p.system) for p in pairs] == [("Q1", "A1", "S"), ("Q2", "A2", "S"), ("Q3", "A3", None)]


@pytest.mark.parametrize("line,message", [
    ("{not json", "t.jsonl:2: invalid JSON"),
    (json.dumps({"messages": [{"role": "user", "content": "Q"}]}), "no assistant message"),
    (json.dumps({"messages": [{"role": "robot", "content": "Q"}]}), "role"),
    (json.dumps({"prompt": "x"}), "messages"),
    (json.dumps({"text": ""}), "non-empty 'text'"),  # a study passage's text row (test_mixing.py) needs text
])
def test_bad_rows_are_rejected_with_their_line_number(tmp_path, line, message):
    ok = json.dumps({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}]})
    with pytest.raises(ValueError, match=message):
        read_jsonl(write(tmp_path / "t.jsonl", [ok, line]))


def test_question_file(tmp_path):
    f = write(tmp_path / "q.jsonl", [json.dumps({"question": "Q", "answer": "A"})])
    assert [(p.question, p.answer) for p in read_question_file(f)] == [("Q", "A")]
    with pytest.raises(ValueError):
        read_question_file(write(tmp_path / "bad.jsonl", [json.dumps({"q": "Q"})]))


def test_split_url_replaces_or_adds_the_split():
    assert _split_url("http://h/api/jobs/1/export?format=jsonl&split=train", "test") == \
        "http://h/api/jobs/1/export?format=jsonl&split=test"
    assert _split_url("https://h/x.jsonl", "train") == "https://h/x.jsonl?split=train"


def test_directory_without_test_split_is_fine(tmp_path, dataset_dir):
    (tmp_path / "train.jsonl").write_text((dataset_dir / "train.jsonl").read_text())
    ds = load_dataset_source(str(tmp_path), tmp_path / "w")
    assert len(ds.train) == 5 and ds.test == []
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="train.jsonl"):
        load_dataset_source(str(tmp_path / "empty"), tmp_path / "w2")


def test_http_export_url_downloads_train_and_test(tmp_path, dataset_dir):
    """An export URL like the service's: ?format=jsonl&split=..."""
    served = tmp_path / "srv"
    (served / "export").mkdir(parents=True)
    seen = []

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            split = self.path.split("split=")[1]
            self.path = f"/{split}.jsonl"
            return super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(dataset_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/jobs/7/export?format=jsonl&split=train"
        ds = load_dataset_source(url, tmp_path / "work", token="tok")
    finally:
        server.shutdown()
        server.server_close()
    assert len(ds.train) == 5 and len(ds.test) == 5
    assert [a for _, a in seen] == ["Bearer tok", "Bearer tok"]
    assert {p.split("split=")[1] for p, _ in seen} == {"train", "test"}
