import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from transformers import AutoModelForCausalLM, AutoTokenizer

from conftest import PAIRS
from qaforge_worker.data import QAPair
from qaforge_worker.evaluate import evaluate
from qaforge_worker.judge import Judge, final_text, parse_grade


@pytest.mark.parametrize("text,grade", [("CORRECT", "CORRECT"), ("incorrect.", "INCORRECT"),
                                        ("Not attempted", "NOT_ATTEMPTED"), ("Grade: CORRECT", "CORRECT"),
                                        ("It is not CORRECT: INCORRECT", "INCORRECT"), ("maybe", None)])
def test_parse_grade(text, grade):
    assert parse_grade(text) == grade


@pytest.mark.parametrize("content,final", [
    ("<think>CORRECT? no, wrong: INCORRECT</think>\nCORRECT", "CORRECT"),
    ("CORRECT? no. INCORRECT</think>INCORRECT", "INCORRECT"),  # the template opened the think block in the prompt
    ("<think>CORRECT, surely... let me check", ""),  # ran out of tokens while thinking: no verdict
    ("NOT_ATTEMPTED", "NOT_ATTEMPTED"), (None, ""),
])
def test_the_verdict_is_read_after_the_reasoning(content, final):
    assert final_text(content) == final


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
    assert any(PAIRS[2][1] in b["messages"][0]["content"] for _, _, b in state["calls"])


class ReasoningJudge:
    """A stand-in for a reasoning model behind OpenAI's chat completions wire format: like o-series and gpt-5 models
    it refuses `max_tokens` and any temperature but 1 with a 400 naming the parameter, spends its first tokens
    thinking (an answer with too few completion tokens is empty, finish_reason "length"), and thinks with grade words
    that are not its verdict: in `<think>` text (model "inline") or a `reasoning_content` field (model "field").
    It answers 429 with Retry-After to the first call, grades CORRECT when the prediction equals the gold answer,
    and records how many calls ran at once (with `hold`, holding each until two were in flight, or 5 s passed)."""

    def __init__(self):
        self.calls, self.refused, self.in_flight, self.max_in_flight = [], [], 0, 0
        self.cond = threading.Condition()
        self.throttled = False
        self.hold = False  # hold calls until two were in flight at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, body: dict) -> tuple[int, dict, dict]:
        if not self.throttled:
            self.throttled = True
            return 429, {"error": {"message": "Rate limit reached", "type": "requests"}}, {"Retry-After": "0"}
        if "max_tokens" in body:
            self.refused.append("max_tokens")
            return 400, {"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                              "Use 'max_completion_tokens' instead.", "type": "invalid_request_error",
                                   "param": "max_tokens", "code": "unsupported_parameter"}}, {}
        if body.get("temperature", 1) != 1:
            self.refused.append("temperature")
            return 400, {"error": {"message": "Unsupported value: 'temperature' does not support 0 with this model. "
                                              "Only the default (1) value is supported.", "type": "invalid_request_error",
                                   "param": "temperature", "code": "unsupported_value"}}, {}
        prompt = body["messages"][0]["content"]
        gold = prompt.split("Gold answer: ")[1].split("\n")[0]
        prediction = prompt.split("Predicted answer: ")[1].split("\n")[0]
        if prediction == "(say nothing)":
            return 200, {"choices": [{"message": {"role": "assistant", "content": "Hmm."}, "finish_reason": "stop"}]}, {}
        grade = "CORRECT" if prediction == gold else "INCORRECT"
        other = "INCORRECT" if grade == "CORRECT" else "CORRECT"
        thinking = f"Is it {other}? The prediction says {prediction!r}, the gold {gold!r}; so not {other}."
        if (body.get("max_completion_tokens") or 16) < 256:
            message, finish = {"role": "assistant", "content": ""}, "length"  # every token went to thinking
        elif body["model"] == "inline":
            message, finish = {"role": "assistant", "content": f"<think>{thinking}</think>\n\n{grade}"}, "stop"
        else:
            message, finish = {"role": "assistant", "content": grade, "reasoning_content": thinking}, "stop"
        return 200, {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}, {}

    def _handler(self):
        judge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with judge.cond:
                    judge.calls.append(body)
                    judge.in_flight += 1
                    judge.max_in_flight = max(judge.max_in_flight, judge.in_flight)
                    judge.cond.notify_all()
                    if judge.hold:
                        judge.cond.wait_for(lambda: judge.max_in_flight > 1, timeout=5)
                status, payload, headers = judge.answer(body)
                with judge.cond:
                    judge.in_flight -= 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reasoning_judge():
    judge = ReasoningJudge()
    yield judge
    judge.close()


TRIPLES = [(f"Question {n}?", f"Answer {n}.", f"Answer {n}." if n % 2 else f"Wrong {n}.") for n in range(8)]


@pytest.mark.parametrize("style", ["inline", "field"])
def test_a_reasoning_judge_gives_its_final_verdicts(reasoning_judge, style):
    judge = Judge(reasoning_judge.url, style, api_key="k", backoff=0.01)
    verdicts = judge.grade_all(TRIPLES)
    assert [v["grade"] for v in verdicts] == ["INCORRECT", "CORRECT"] * 4
    assert sorted(reasoning_judge.refused) == ["temperature"]  # refused once, then never sent again
    assert all("max_tokens" not in c and c.get("max_completion_tokens", 0) >= 256 for c in reasoning_judge.calls)
    assert judge.stats["refusedParameters"] == ["temperature"] and judge.stats["errors"] == 0


def test_judge_calls_run_concurrently_and_a_verdict_is_asked_once(reasoning_judge):
    judge = Judge(reasoning_judge.url, "field", api_key="k", backoff=0.01, concurrency=4)
    reasoning_judge.hold = True
    first = judge.grade_all(TRIPLES)
    assert reasoning_judge.max_in_flight > 1
    calls = len(reasoning_judge.calls)
    again = judge.grade_all(TRIPLES + [TRIPLES[0]])  # scored again: from the cache
    assert again == first + [first[0]]
    assert len(reasoning_judge.calls) == calls
    assert judge.stats["cacheHits"] == len(TRIPLES) + 1 and judge.stats["calls"] == len(TRIPLES)


def test_judge_errors_are_counted_not_hidden(reasoning_judge, tiny_model):
    judge = Judge(reasoning_judge.url, "inline", api_key="k", backoff=0.01, max_completion_tokens=64)
    verdicts = judge.grade_all(TRIPLES[:2] + [("Q?", "A.", "(say nothing)")])
    assert all(v["grade"] is None for v in verdicts)  # thinking used every token; the last said no grade
    assert "finish_reason length" in verdicts[0]["error"] and "no verdict" in verdicts[2]["error"]
    assert judge.stats["errors"] == 3
    judge.grade_all(TRIPLES[:1])
    assert judge.stats["errors"] == 4, "an error is not cached: scoring again asks again"
