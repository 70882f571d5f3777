"""The server's token: where it comes from, how it is checked, and the FastAPI dependency.

- The token is `SHIPCALL_TOKEN` when set; otherwise the one in `.shipcall/token`, generated on
  the first start (`secrets.token_urlsafe(32)`, 256 bits), written owner-only (0600) and
  printed once by `shipcall serve`. A token shorter than 32 characters or with little entropy
  (`token_weakness`) is refused at start, wherever it comes from.
- A request proves it holds the token with `Authorization: Bearer TOKEN`. The comparison is
  constant-time: both sides are hashed (SHA-256) and compared with `hmac.compare_digest`, so
  neither the position of the first wrong character nor the token's length shows in the time.
- `Auth.sources` is a list of credential checks tried in order (the bearer header first);
  the review pages can add a session cookie without touching the API's routes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request  # at run time: FastAPI reads the dependencies' annotations

from shipcall.core.ratelimit import Limiter, Rate, retry_after
from shipcall.errors import ConfigError

if TYPE_CHECKING:
    from shipcall.app.workspace import Workspace

TOKEN_ENV = "SHIPCALL_TOKEN"
TOKEN_FILE = "token"


@dataclass(frozen=True)
class TokenSource:
    token: str
    origin: str  # "env" | "file" | "created"
    path: Path | None = None


def token_path(ws: Workspace) -> Path:
    return ws.state_dir / TOKEN_FILE


MIN_TOKEN_CHARS = 32
STRONG_TOKEN_HINT = ("use at least 32 random characters, e.g. `python -c 'import secrets; "
                     "print(secrets.token_urlsafe(32))'` (or unset it: serve then generates one)")


def token_weakness(token: str) -> str | None:
    """Why `token` is too weak to guard the log, or None. Hand-written (no password-strength
    library): the token is machine-made, so the checks only catch what a person types instead —
    too short, few distinct symbols, a repeated pattern, an alphabet or digit run."""
    n = len(token)
    if n < MIN_TOKEN_CHARS:
        return f"too short ({n} characters; at least {MIN_TOKEN_CHARS})"
    counts: dict[str, int] = {}
    for ch in token:
        counts[ch] = counts.get(ch, 0) + 1
    bits_per_char = max(0.0, -sum(c / n * math.log2(c / n) for c in counts.values()))
    if bits_per_char < 2.5:
        return f"too little entropy ({bits_per_char:.1f} bits per character: too few distinct characters)"
    trigrams = {token[i:i + 3] for i in range(n - 2)}
    if len(trigrams) < 0.6 * (n - 2):
        return "too little entropy (a repeated pattern)"
    steps = sum(1 for a, b in zip(token, token[1:], strict=False) if abs(ord(b) - ord(a)) <= 1)
    if steps > 0.5 * (n - 1):
        return "too little entropy (a run of neighbouring characters, like abcdef or 123456)"
    return None


def check_token(token: str, where: str, *, file: str | None = None) -> str:
    """`token` if it is strong enough, else a ConfigError saying why (refused at start)."""
    weak = token_weakness(token)
    if weak is not None:
        raise ConfigError(f"the token is {weak}", file=file, field=None if file else where,
                          hint=STRONG_TOKEN_HINT)
    return token


def load_or_create_token(ws: Workspace) -> TokenSource:
    """The token from SHIPCALL_TOKEN, else the workspace's token file, else a new one (0600).
    A weak token (short, or little entropy) is refused with the reason."""
    from shipcall.adapters.store.secret import create_private_file, read_private_file

    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return TokenSource(check_token(env, TOKEN_ENV), "env")
    path = token_path(ws)
    token = secrets.token_urlsafe(32)
    if create_private_file(path, token + "\n"):  # whole or not at all: a full disk leaves no empty file
        return TokenSource(token, "created", path)
    token = read_private_file(path)
    if not token:
        raise ConfigError("the token file is empty", file=str(path),
                          hint=f"delete it to have a new token generated, or set {TOKEN_ENV}")
    return TokenSource(check_token(token, TOKEN_ENV, file=str(path)), "file", path)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@dataclass
class Auth:
    """Who may call the protected endpoints.

    `sources` are tried in order; each takes the request and returns a principal name or None.
    They run on the event loop, so they must be quick and never block (a session-cookie check
    for the pages is one more source: `app.state.auth.sources.append(from_session)`)."""

    token: str
    public: frozenset[str] = frozenset({"ask", "feedback"})
    sources: list[Callable[[Request], str | None]] = field(default_factory=list)
    login_rate: Rate | None = field(default_factory=lambda: Rate(10, 60.0))  # failed sign-ins per client
    shared_limits: Path | None = None  # `serve --workers N`: the buckets file the workers share

    def __post_init__(self) -> None:
        self._expected = _digest(self.token)
        if not self.sources:
            self.sources.append(self.from_bearer)
        self._failures: Any = None
        if self.login_rate is not None:
            from shipcall.adapters.shared_limits import SharedLimiter

            self._failures = (SharedLimiter(self.shared_limits, self.login_rate, "failed_sign_ins")
                              if self.shared_limits is not None else Limiter(self.login_rate))
        self._lock = threading.Lock()

    # -- throttling failed sign-ins (server/limits.py) ----------------------------------------
    def throttled(self, request: Request) -> float:
        """Seconds this client must wait before its next sign-in attempt (0: none)."""
        if self._failures is None:
            return 0.0
        with self._lock:
            return self._failures.wait(_client(request), time.monotonic())

    def failed(self, request: Request) -> None:
        """Count a wrong token from this client."""
        if self._failures is not None:
            with self._lock:
                self._failures.take(_client(request), time.monotonic())

    def refuse_if_throttled(self, request: Request) -> None:
        from fastapi import HTTPException

        wait = self.throttled(request)
        if wait > 0:
            raise HTTPException(429, detail=f"too many failed sign-ins from this address: try again in "
                                            f"{retry_after(wait)} s",
                                headers={"Retry-After": retry_after(wait)})

    def from_bearer(self, request: Request) -> str | None:
        given = bearer_token(request)
        return "token" if given is not None and self.check_token(given) else None

    def check_token(self, given: str) -> bool:
        """Constant-time: fixed-length digests compared with hmac.compare_digest."""
        return hmac.compare_digest(_digest(given), self._expected)

    def principal(self, request: Request) -> str | None:
        for source in self.sources:
            who = source(request)
            if who:
                return who
        return None


async def require_token(request: Request) -> str:
    """FastAPI dependency: the caller's principal, or 401 with `WWW-Authenticate: Bearer`.
    (async: a cheap check that should not cost a hop to the thread pool)"""
    return check_request(request)


def check_request(request: Request) -> str:
    """The caller's principal, or HTTPException 401 (for routes and pages that check by hand)."""
    from fastapi import HTTPException

    auth: Auth = request.app.state.auth
    auth.refuse_if_throttled(request)
    who = auth.principal(request)
    if who is None:
        given = request.headers.get("authorization")
        if given:
            auth.failed(request)
        raise HTTPException(401, detail="a valid token is required" if given else "the token is missing",
                            headers={"WWW-Authenticate": 'Bearer realm="shipcall"'})
    return who


def require_token_unless_public(name: str) -> Callable[[Request], Awaitable[str | None]]:
    """A dependency for an endpoint that the `server.public` setting may open (`ask`, `feedback`)."""

    async def dependency(request: Request) -> str | None:
        auth: Auth = request.app.state.auth
        if name in auth.public:
            return auth.principal(request)
        return check_request(request)

    dependency.__name__ = f"require_token_unless_public_{name}"
    return dependency
