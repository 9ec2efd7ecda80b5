import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from conftest import PAIRS
from qaforge_worker.data import QAPair
from qaforge_worker.evaluate import evaluate
from qaforge_worker.judge import Judge, parse_grade


@pytest.mark.parametrize("text,grade", [("CORRECT", "CORRECT"), ("incorrect.", "INCORRECT"),
                                        ("Not attempted", "NOT_ATTEMPTED"), ("Grade: CORRECT", "CORRECT"),
                                        ("maybe", None)])
def test_parse_grade(text, grade):
    assert parse_grade(text) == grade


@pytest.fixture
def fake_openai():
    """An OpenAI-compatible /v1/chat/completions that grades by a rule and fails the first call with a 503."""
    state = {"calls": [], "fail_first": True}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["calls"].append((self.path, self.headers.get("Authorization"), body))
            if state["fail_first"]:
                state["fail_first"] = False
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            prompt = body["messages"][0]["content"]
            grade = "CORRECT" if "colour" in prompt else "NOT_ATTEMPTED"
            data = json.dumps({"choices": [{"message": {"role": "assistant", "content": grade}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", state
    server.shutdown()
    server.server_close()


def test_judge_grades_each_answer_and_decides_correctness(tiny_model, fake_openai, monkeypatch):
    url, state = fake_openai
    monkeypatch.setenv("JUDGE_API_KEY", "judge-key")
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    tok = AutoTokenizer.from_pretrained(tiny_model)
    pairs = [QAPair(q, a) for q, a in PAIRS[:3]]
    result = evaluate(model, tok, pairs, judge=Judge(url, "grader-1", backoff=0.01), max_new_tokens=8)
    summary = result["summary"]
    assert summary["criterion"] == "judge"
    assert (summary["correct"], summary["judgeCorrect"], summary["judgeNotAttempted"], summary["total"]) == (1, 1, 2, 3)
    assert [i["judge"] for i in result["items"]] == ["CORRECT", "NOT_ATTEMPTED", "NOT_ATTEMPTED"]
    assert len(state["calls"]) == 4  # one 503 retried
    path, auth, body = state["calls"][-1]
    assert path == "/v1/chat/completions" and auth == "Bearer judge-key" and body["model"] == "grader-1"
    assert PAIRS[2][1] in body["messages"][0]["content"]
