#!/usr/bin/env python3
"""A minimal OpenAI-compatible chat completions server for bench scripts: answers the number of pairs the prompt asks
for ("Provide N"), about its "Fact K" marker, after a fixed latency; logs "epoch_seconds fact temperature" per request."""
import json, re, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG = open(sys.argv[1], "a", buffering=1)
LATENCY = float(sys.argv[2]) if len(sys.argv) > 2 else 0.2
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = request["messages"][0]["content"]
        fact = int(re.search(r"Fact (\d+)", prompt).group(1))
        n = int(re.search(r"Provide (\d+)", prompt).group(1))
        temperature = request.get("temperature")
        with lock:
            LOG.write(f"{time.time():.6f} {fact} {temperature}\n")
        time.sleep(LATENCY)
        content = "".join(f"What is detail {i} of fact {fact} at temperature {temperature}?\n"
                          f"Detail {i} of fact {fact} is {fact * 100 + i}.\n" for i in range(1, n + 1))
        body = json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": request["model"],
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": content}}],
                           "usage": {"prompt_tokens": len(prompt) // 4, "completion_tokens": len(content) // 4,
                                     "total_tokens": (len(prompt) + len(content)) // 4}}).encode()
        self.send_response(200)
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
