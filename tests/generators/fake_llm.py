"""A loopback HTTP server speaking enough of the OpenAI chat-completions and Anthropic messages
protocols (JSON and server-sent events) for the official SDKs, scripted per test.

`script(request) -> reply` decides each response; replies: Reply (an answer, a refusal, an
empty reply), Status (any HTTP error, with headers such as Retry-After), Hang (hold the request
until the server closes, past any client timeout), Raw (malformed bytes) and Drop (close the
connection). Every request is recorded (path, JSON body, the SDK's retry counter); the largest
number of requests in flight at once and the number of hangs still held are tracked.

Tests synchronise on events, not on the clock: a streamed Reply can wait for the client's
signal after its first piece (`gate`), a hang is held until the server closes (so "the client
gave up by itself" is `fake.hanging` still counting it), and the standalone server holds every
request after the first HOLD_AFTER until LOG.release exists.

Can also run as a process: `python fake_llm.py PORTFILE LOG [DELAY [HOLD_AFTER]]` (used by the
kill -9 and Ctrl-C tests), logging each request as a JSON line to LOG.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    path: str
    body: dict[str, Any]
    raw: bytes
    retry_count: str | None
    at: float
    authorization: str | None = None  # the Authorization header as sent

    @property
    def anthropic(self) -> bool:
        return self.path.endswith("/messages")

    @property
    def key(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def text(self) -> str:
        """Everything the model was sent (system + messages) as one string."""
        parts = [self.body.get("system", "")] if isinstance(self.body.get("system"), str) else []
        parts += [m.get("content", "") for m in self.body.get("messages", []) if isinstance(m.get("content"), str)]
        return "\n".join(parts)

    def message(self, role: str) -> str:
        if role == "system" and self.anthropic:
            return str(self.body.get("system", ""))
        return "\n".join(m["content"] for m in self.body.get("messages", []) if m.get("role") == role)


@dataclass
class Reply:
    text: str = "Employees get 20 days of paid time off per year [1]."
    tokens_in: int = 100
    tokens_out: int = 10
    refusal: str | None = None
    finish: str | None = None
    delay: float = 0.0          # seconds before the response starts
    chunk_delay: float = 0.0    # seconds between streamed pieces
    usage: bool = True
    gate: threading.Event | None = None  # streamed: the rest waits (at most 120 s) until it is set


@dataclass
class Status:
    code: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted error"


@dataclass
class Hang:
    seconds: float = 120.0  # held until the server closes, or at most this long


@dataclass
class Raw:
    body: bytes = b'{"id": "x", "choices": [ {"index"'
    content_type: str = "application/json"


@dataclass
class Drop:
    pass


Script = Callable[[Request], Any]


def answer_always(req: Request) -> Any:
    return Reply()


def fail_first(n: int, reply: Any, then: Script = answer_always) -> Script:
    """The first n requests with each distinct body get `reply`, later ones `then`."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def script(req: Request) -> Any:
        with lock:
            k = seen.get(req.key, 0)
            seen[req.key] = k + 1
        return reply if k < n else then(req)

    return script


class FakeLLM:
    def __init__(self, script: Script = answer_always) -> None:
        self.script = script
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.hanging = 0  # Hang replies still held (released when the server closes)
        self.gate_timeouts = 0  # streamed replies whose gate was never opened
        self.closing = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = {}
                req = Request(self.path, body, raw, self.headers.get("x-stainless-retry-count"), time.monotonic(),
                              self.headers.get("Authorization"))
                with fake.lock:
                    fake.requests.append(req)
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                try:
                    fake.respond(self, req, fake.script(req))
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with fake.lock:
                        fake.in_flight -= 1

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def openai_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    def _pause(self, reply: Reply, i: int) -> None:
        """Before streamed piece i > 0: wait for the gate (after the first piece only), then the delay."""
        if i == 1 and reply.gate is not None and not reply.gate.wait(120):
            with self.lock:
                self.gate_timeouts += 1
        if i > 0 and reply.chunk_delay:
            time.sleep(reply.chunk_delay)

    def calls(self, path_suffix: str = "") -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    # -- responses ---------------------------------------------------------------------------
    def respond(self, h: BaseHTTPRequestHandler, req: Request, reply: Any) -> None:
        if isinstance(reply, Hang):
            with self.lock:
                self.hanging += 1
            try:
                self.closing.wait(reply.seconds)
            finally:
                with self.lock:
                    self.hanging -= 1
            h.close_connection = True
            return
        if isinstance(reply, Drop):
            h.close_connection = True
            return
        if isinstance(reply, Raw):
            return _send(h, 200, reply.body, reply.content_type)
        if isinstance(reply, Status):
            err = ({"type": "error", "error": {"type": "api_error", "message": reply.message}} if req.anthropic
                   else {"error": {"message": reply.message, "type": "server_error"}})
            return _send(h, reply.code, json.dumps(err).encode(), "application/json", reply.headers)
        assert isinstance(reply, Reply)
        if reply.delay:
            time.sleep(reply.delay)
        model = req.body.get("model", "fake")
        if req.body.get("stream"):
            return self._stream(h, req, reply, model)
        if req.anthropic:
            stop = reply.finish or ("refusal" if reply.refusal else "end_turn")
            body: dict[str, Any] = {"id": "msg_1", "type": "message", "role": "assistant", "model": model,
                                    "content": [{"type": "text", "text": reply.text}] if reply.text else [],
                                    "stop_reason": stop, "stop_sequence": None}
            if reply.usage:
                body["usage"] = {"input_tokens": reply.tokens_in, "output_tokens": reply.tokens_out}
        else:
            message: dict[str, Any] = {"role": "assistant", "content": reply.text or None, "refusal": reply.refusal}
            body = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
                    "choices": [{"index": 0, "finish_reason": reply.finish or "stop", "message": message}]}
            if reply.usage:
                body["usage"] = {"prompt_tokens": reply.tokens_in, "completion_tokens": reply.tokens_out,
                                 "total_tokens": reply.tokens_in + reply.tokens_out}
        _send(h, 200, json.dumps(body).encode(), "application/json")

    def _stream(self, h: BaseHTTPRequestHandler, req: Request, reply: Reply, model: str) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        words = reply.text.split(" ")
        pieces = [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)] if reply.text else []

        def emit(event: str | None, data: Any) -> None:
            line = (f"event: {event}\n" if event else "") + f"data: {json.dumps(data)}\n\n"
            h.wfile.write(line.encode())
            h.wfile.flush()

        if req.anthropic:
            emit("message_start", {"type": "message_start", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": model, "content": [],
                "stop_reason": None, "stop_sequence": None,
                "usage": {"input_tokens": reply.tokens_in, "output_tokens": 0}}})
            emit("content_block_start", {"type": "content_block_start", "index": 0,
                                         "content_block": {"type": "text", "text": ""}})
            for i, p in enumerate(pieces):
                self._pause(reply, i)
                emit("content_block_delta", {"type": "content_block_delta", "index": 0,
                                             "delta": {"type": "text_delta", "text": p}})
            emit("content_block_stop", {"type": "content_block_stop", "index": 0})
            emit("message_delta", {"type": "message_delta", "delta": {
                "stop_reason": reply.finish or ("refusal" if reply.refusal else "end_turn"), "stop_sequence": None},
                "usage": {"output_tokens": reply.tokens_out}})
            emit("message_stop", {"type": "message_stop"})
            return
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model}
        for i, p in enumerate(pieces):
            self._pause(reply, i)
            emit(None, base | {"choices": [{"index": 0, "delta": {"content": p}, "finish_reason": None}]})
        if reply.refusal:
            emit(None, base | {"choices": [{"index": 0, "delta": {"refusal": reply.refusal}, "finish_reason": None}]})
        emit(None, base | {"choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish or "stop"}]})
        if reply.usage:
            emit(None, base | {"choices": [], "usage": {"prompt_tokens": reply.tokens_in,
                                                        "completion_tokens": reply.tokens_out,
                                                        "total_tokens": reply.tokens_in + reply.tokens_out}})
        h.wfile.write(b"data: [DONE]\n\n")
        h.wfile.flush()


def _send(h: BaseHTTPRequestHandler, code: int, data: bytes, content_type: str,
          headers: dict[str, str] | None = None) -> None:
    h.send_response(code)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.end_headers()
    h.wfile.write(data)
    h.wfile.flush()


if __name__ == "__main__":  # a standalone server for tests that kill a shipcall process
    portfile, log = sys.argv[1], sys.argv[2]
    delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    hold_after = int(sys.argv[4]) if len(sys.argv) > 4 else None
    write_lock = threading.Lock()
    seen = [0]

    def logged(req: Request) -> Any:
        with write_lock:
            seen[0] += 1
            n = seen[0]
            with open(log, "a") as f:
                f.write(json.dumps({"key": req.key, "path": req.path}) + "\n")
        if hold_after is not None and n > hold_after:  # held: the client cannot finish before the test acts
            release = log + ".release"
            for _ in range(2400):  # at most 120 s
                if os.path.exists(release):
                    break
                time.sleep(0.05)
        return Reply(delay=delay)

    fake = FakeLLM(logged)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(fake.port))
    os.replace(portfile + ".tmp", portfile)
    fake.server.serve_forever()
