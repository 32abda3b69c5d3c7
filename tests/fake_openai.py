"""A scripted OpenAI-compatible chat endpoint on loopback, for tests: ``POST /v1/chat/completions``
answers with the next scripted ``Reply`` — a JSON completion, or ``data:`` SSE chunks ending with
``data: [DONE]`` when the request asks to stream — after an optional delay, or with an HTTP error."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before anything is sent (longer than the client's timeout = a timeout)
    chunks: int = 4  # how many pieces a streamed reply is cut into


class FakeOpenAI:
    """``with FakeOpenAI() as server:`` … ``server.reply = Reply(...)`` (or a function of the request
    body returning one); ``server.requests`` holds
    every request as (headers with lower-case names, JSON body)."""

    def __init__(self):
        self.reply: Reply | Callable[[dict], Reply] = Reply("")
        self.requests: list[tuple[dict, dict]] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        threading.Thread(target=self._http.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._http.shutdown()
        self._http.server_close()


def _completion(text: str) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": "fake",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}


def _chunk(delta: dict, finish: str | None) -> bytes:
    body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": "fake",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n".encode()


def _pieces(text: str, n: int) -> list[str]:
    size = max(1, -(-len(text) // n))
    return [text[i:i + size] for i in range(0, len(text), size)]


def _handler(server: FakeOpenAI):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            reply = server.reply(body) if callable(server.reply) else server.reply
            time.sleep(reply.delay)
            try:
                if self.path != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                elif reply.status != 200:
                    self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                elif body.get("stream"):
                    self._sse(reply)
                else:
                    self._json(200, _completion(reply.text))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout): nothing to do

        def _json(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _sse(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(_chunk({"role": "assistant", "content": ""}, None))
            for piece in _pieces(reply.text, reply.chunks):
                self.wfile.write(_chunk({"content": piece}, None))
                self.wfile.flush()
            self.wfile.write(_chunk({}, "stop"))
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, *args) -> None:
            pass  # keep test output clean

    return Handler
