"""Real servers for the server tests: uvicorn on 127.0.0.1 with a free port, either in a thread
of the test process (`live`) or as a `shipcall serve` process (`ServeProcess`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

TOKEN = "test-token-Wq3v9ZrK7pXc2LmN8sTd4HfY6jBe"  # strong enough: 32+ characters, no pattern
# httpx's default timeout (5 s) fails a test on a loaded machine where the first request to a
# fresh server (loading the index, compiling templates) takes longer. Every request in the
# server tests uses this bound instead: generous, so only a server that hangs ends a test.
HTTP_TIMEOUT = 120.0


class Http:
    """httpx's get/post with HTTP_TIMEOUT (`http.get(url, ...)` as `httpx.get(url, ...)`)."""

    @staticmethod
    def get(url: str, **kw: Any) -> Any:
        import httpx

        return httpx.get(url, timeout=kw.pop("timeout", HTTP_TIMEOUT), **kw)

    @staticmethod
    def post(url: str, **kw: Any) -> Any:
        import httpx

        return httpx.post(url, timeout=kw.pop("timeout", HTTP_TIMEOUT), **kw)


http = Http()


def client(**kw: Any) -> Any:
    """An httpx.Client with HTTP_TIMEOUT."""
    import httpx

    return httpx.Client(timeout=kw.pop("timeout", HTTP_TIMEOUT), **kw)


@contextmanager
def live(app: Any) -> Iterator[str]:
    """Run `app` on a real uvicorn bound to 127.0.0.1:<free port>; yield its base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP: asyncio sets NODELAY
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120  # a bound for a busy machine, not a speed expectation
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()


class ServeProcess:
    """`python -m shipcall serve --port 0 --json` in a workspace; the URL read from its stdout."""

    def __init__(self, ws: Path, *args: str, token: str | None = TOKEN) -> None:
        env = {**os.environ}
        env.pop("SHIPCALL_TOKEN", None)
        if token:
            env["SHIPCALL_TOKEN"] = token
        self.stderr_path = ws / ".shipcall" / f"serve-{time.monotonic_ns()}.err"
        self.stderr_file = self.stderr_path.open("w")
        self.proc = subprocess.Popen([sys.executable, "-m", "shipcall", "serve", "--port", "0", "--json", *args],
                                     cwd=ws, env=env, stdout=subprocess.PIPE, stderr=self.stderr_file, text=True)
        assert self.proc.stdout is not None
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("}"):
                break
        if not lines or not lines[-1].startswith("}"):
            self.proc.kill()
            raise RuntimeError(f"shipcall serve did not start: {self.stderr_path.read_text()}")
        self.info: dict[str, Any] = json.loads("".join(lines))
        self.url: str = self.info["url"]
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/v1/health", timeout=10).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError(f"no health from {self.url}: {self.stderr_path.read_text()}")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr_file.close()


@pytest.fixture
def serve_process():  # noqa: ANN201 - yields a factory of ServeProcess
    started: list[ServeProcess] = []

    def start(ws: Path, *args: str, token: str | None = TOKEN) -> ServeProcess:
        p = ServeProcess(ws, *args, token=token)
        started.append(p)
        return p

    yield start
    for p in started:
        p.stop()
