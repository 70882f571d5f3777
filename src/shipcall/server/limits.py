"""No cheap denial of service: per-client rate limits on the open endpoints, before any work.

- `RateLimit` (ASGI middleware, outermost): the endpoints anyone may call (`POST /v1/ask`,
  `/v1/feedback`, `/ui/login`, `/ui/ask`, `/ui/feedback`) get `server.rate_limit` requests per
  client address (a token bucket, bursts up to the count), and a refusal is `429` with
  `Retry-After` before the body is even read. A caller holding the token or a session is not
  limited (it can already read everything). `serve` turns the limit on by default when it binds
  an address other machines can reach, and leaves it off on 127.0.0.1 (local load tests).
- Failed sign-ins (a wrong token in `/ui/login` or in `Authorization: Bearer`) are throttled per
  client, always: after `server.login_rate_limit` failures the client gets 429 until its bucket
  refills (`Auth.refuse_if_throttled`, `Auth.failed`).
With `serve --workers N` the buckets are shared by the workers (adapters/shared_limits.py), so a
client's limit is the same whichever worker takes its connection.
The client is the socket's peer address (uvicorn replaces it with X-Forwarded-For only for the
proxies in its `forwarded_allow_ips`, 127.0.0.1 by default).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from shipcall.core.ratelimit import Limiter, Rate, retry_after

OPEN_ENDPOINTS = frozenset({("POST", "/v1/ask"), ("POST", "/v1/feedback"), ("POST", "/ui/login"),
                            ("POST", "/ui/ask"), ("POST", "/ui/feedback")})


def client_of(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def too_many(path: str, wait: float, what: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A 429 response (status, headers, body): JSON under /v1/, a short page under /ui/."""
    after = retry_after(wait)
    if path.startswith("/ui/"):
        body = (f"<!doctype html><title>Too many requests</title><p>{what}: try again in {after} s.</p>").encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": f"{what}: try again in {after} s", "field": None,
                           "hint": "slow down; the limit is per client address (server.rate_limit)"}).encode()
        kind = b"application/json"
    return 429, [(b"content-type", kind), (b"retry-after", after.encode()),
                 (b"content-length", str(len(body)).encode())], body


class RateLimit:
    """ASGI middleware: per-client limits on OPEN_ENDPOINTS (see the module docstring)."""

    def __init__(self, app: Any, rate: Rate | None, clock: Any = time.monotonic, shared: Path | None = None) -> None:
        """`shared`: the buckets file that the workers of one `serve --workers N` share
        (adapters/shared_limits.py); None: buckets in this process."""
        self.app = app
        self.limiter: Any = None
        if rate is not None:
            from shipcall.adapters.shared_limits import SharedLimiter

            self.limiter = SharedLimiter(shared, rate, "requests") if shared is not None else Limiter(rate)
        self.clock = clock

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (self.limiter is None or scope["type"] != "http"
                or (scope["method"], scope["path"].rstrip("/") or "/") not in OPEN_ENDPOINTS):
            await self.app(scope, receive, send)
            return
        if not self._authenticated(scope):
            wait = self.limiter.take(client_of(scope), self.clock())
            if wait > 0:
                status, headers, body = too_many(scope["path"], wait, "too many requests from this address")
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _authenticated(scope: dict[str, Any]) -> bool:
        from starlette.requests import Request

        app = scope.get("app")
        auth = getattr(getattr(app, "state", None), "auth", None)
        if auth is None:
            return False
        return auth.principal(Request(scope)) is not None
