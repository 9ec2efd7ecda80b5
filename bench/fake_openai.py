#!/usr/bin/env python3
"""A minimal OpenAI-compatible chat completions server for bench scripts: answers the number of pairs the prompt asks
for ("Provide N"), about its "Fact K" marker, after a fixed latency; logs "epoch_seconds fact temperature" per request.

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


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = request["messages"][0]["content"]
        fact = int(re.search(r"Fact (\d+)", prompt).group(1))
        n = int(re.search(r"Provide (\d+)", prompt).group(1))
        temperature = request.get("temperature")
        taken, limits = BUCKET.take() if BUCKET else (True, {})
        headers = limits if ANNOUNCE else {}
        if not taken:
            self.reply(429, {**headers, "retry-after-ms": "200"},
                       {"error": {"message": "Rate limit reached for requests", "code": "rate_limit_exceeded"}})
            return
        with lock:
            LOG.write(f"{time.time():.6f} {fact} {temperature}\n")
        time.sleep(LATENCY)
        content = "".join(f"What is detail {i} of fact {fact} at temperature {temperature}?\n"
                          f"Detail {i} of fact {fact} is {fact * 100 + i}.\n" for i in range(1, n + 1))
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
