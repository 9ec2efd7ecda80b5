#!/usr/bin/env python3
"""A minimal OpenAI-compatible chat completions server for bench scripts, after a fixed latency. A recipe prompt gets
the number of pairs it asks for ("Provide N"), about its "Fact K" marker; a fact job's prompts get what a careful
model answers: the chunk's sentences (facts step), one pair per fact and direction asked for (pair calls), a passing
verdict per pair (judge), a study passage made of the chunk's sentences (study) and a verdict that finds every
sentence of it supported (study-judge). Logs one line per request: "epoch_seconds kind fact temperature", where a
judge call's temperature is the one of the call it grades (its questions name it).

Usage: fake_openai.py LOG [LATENCY_SECONDS [REQUESTS_PER_MINUTE [announce|silent]]]. With a request limit it answers
429 past it (a bucket of one second's worth, refilled continuously) and, like OpenAI, announces the limit on every
answer in x-ratelimit-limit/remaining/reset-requests headers; "silent" says nothing of it, as vLLM does."""
import json, re, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = open(sys.argv[1], "a", buffering=1)
LATENCY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
RPM = int(sys.argv[3]) if len(sys.argv) > 3 else 0
ANNOUNCE = (sys.argv[4] if len(sys.argv) > 4 else "announce") == "announce"
lock = threading.Lock()


class Bucket:
    def __init__(self, per_minute):
        self.per_minute, self.rate, self.capacity = per_minute, per_minute / 60.0, max(1.0, per_minute / 60.0)
        self.level, self.last = self.capacity, time.monotonic()

    def take(self):
        """Takes one request if the bucket has one; answers whether it did and the headers that describe the bucket."""
        with lock:
            now = time.monotonic()
            self.level = min(self.capacity, self.level + (now - self.last) * self.rate)
            self.last = now
            taken = self.level >= 1
            if taken:
                self.level -= 1
            headers = {"x-ratelimit-limit-requests": str(self.per_minute),
                       "x-ratelimit-remaining-requests": str(int(self.level / self.capacity * self.per_minute)),
                       "x-ratelimit-reset-requests": f"{round((self.capacity - self.level) / self.rate * 1000)}ms"}
            return taken, headers


BUCKET = Bucket(RPM) if RPM > 0 else None


def chunk_of(prompt):
    m = re.search(r"<<<INPUT\n(.*?)\nINPUT>>>", prompt, re.S)
    return m.group(1) if m else ""


def facts(prompt):
    n = int(re.search(r"List at most (\d+)", prompt).group(1))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", chunk_of(prompt)) if len(s.split()) >= 4][:n]
    return "".join(f"{i}. {s}\n" for i, s in enumerate(sentences, 1)), None


def fact_pairs(prompt, temperature):
    listed = dict(re.findall(r"(?m)^F(\d+)\. (.+)$", prompt))
    asked = []
    sweep = re.search(r"one (forward|reverse) pair for each fact: ([F\d, ]+)\.", prompt)
    if sweep:
        asked += [(n, sweep.group(1)) for n in re.findall(r"F(\d+)", sweep.group(2))]
    for n, parts in re.findall(r"(?m)^- F(\d+): (.+)$", prompt):
        for count, direction in re.findall(r"(\d+) (forward|reverse)", parts):
            asked += [(n, direction)] * int(count)
    text, seen = "", {}
    for n, direction in asked:
        seen[(n, direction)] = k = seen.get((n, direction), 0) + 1
        words = listed[n].replace(",", "").split()
        about = " ".join(words[:5] if direction == "forward" else words[-5:])
        text += (f"[F{n} {direction}] Phrasing {k} at temperature {temperature}: what does the statement about \"{about}\" "
                 f"say (phrasing {k} at temperature {temperature}, {direction})?\n{listed[n]}\n")
    return text, None


def verdicts(prompt):
    graded = re.findall(r"(?m)^(\d+)\. Q: (.*)$", prompt)
    temperature = re.search(r"at temperature ([\d.]+)", graded[0][1]).group(1) if graded else None
    return "".join(f"{n} | yes | yes | yes | 5\n" for n, _ in graded), temperature


def passage(prompt):
    """A careful study passage: the chunk's sentences, repeated until it is long enough for the passage gate."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", chunk_of(prompt)) if s.strip()]
    text, words = [], 0
    while words < 90:
        text.append(sentences[len(text) % len(sentences)])
        words += len(text[-1].split())
    return " ".join(text), None


def faithfulness(prompt):
    """Every sentence of the passage a claim, and supported: the careful passage above only repeats the chunk."""
    m = re.search(r"<<<PASSAGE\n(.*?)\nPASSAGE>>>", prompt, re.S)
    claims = len([s for s in re.split(r"(?<=[.!?])\s+", m.group(1) if m else "") if s.strip()])
    return f"claims: {claims}\nsupported: {claims}\n", None


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = request["messages"][0]["content"]
        fact = int(re.search(r"Fact (\d+)", prompt).group(1))
        temperature = request.get("temperature")
        taken, limits = BUCKET.take() if BUCKET else (True, {})
        headers = limits if ANNOUNCE else {}
        if not taken:
            self.reply(429, {**headers, "retry-after-ms": "200"},
                       {"error": {"message": "Rate limit reached for requests", "code": "rate_limit_exceeded"}})
            return
        if prompt.startswith("You list the facts"):
            kind, (content, _) = "facts", facts(prompt)
        elif prompt.startswith("You write question/answer pairs"):
            kind, (content, _) = "pairs", fact_pairs(prompt, temperature)
        elif prompt.startswith("You check question/answer pairs"):
            kind, (content, temperature) = "judge", verdicts(prompt)
        elif prompt.startswith("You write a study passage"):
            kind, (content, _) = "study", passage(prompt)
        elif prompt.startswith("You check a study passage"):
            kind, (content, _) = "study-judge", faithfulness(prompt)
        else:
            kind, n = "recipe", int(re.search(r"Provide (\d+)", prompt).group(1))
            content = "".join(f"What is detail {i} of fact {fact} at temperature {temperature}?\n"
                              f"Details of fact {fact} are set out in rule {fact}.\n" for i in range(1, n + 1))
        with lock:
            LOG.write(f"{time.time():.6f} {kind} {fact} {temperature}\n")
        time.sleep(LATENCY)
        self.reply(200, headers, {"id": "x", "object": "chat.completion", "created": 0, "model": request["model"],
                                  "choices": [{"index": 0, "finish_reason": "stop",
                                               "message": {"role": "assistant", "content": content}}],
                                  "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4,
                                            "total_tokens": (len(prompt) + len(content)) // 4}})

    def reply(self, status, headers, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except BrokenPipeError:
            pass  # the service was killed while waiting: as a real server would, carry on

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
