"""The server's token: where it comes from, how it is checked, and the FastAPI dependency.

- The token is `SHIPCALL_TOKEN` when set; otherwise the one in `.shipcall/token`, generated on
  the first start (`secrets.token_urlsafe(32)`, 256 bits), written owner-only (0600) and
  printed once by `shipcall serve`.
- A request proves it holds the token with `Authorization: Bearer TOKEN`. The comparison is
  constant-time: both sides are hashed (SHA-256) and compared with `hmac.compare_digest`, so
  neither the position of the first wrong character nor the token's length shows in the time.
- `Auth.sources` is a list of credential checks tried in order (the bearer header first);
  the review pages can add a session cookie without touching the API's routes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.requests import Request  # at run time: FastAPI reads the dependencies' annotations

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


def load_or_create_token(ws: Workspace) -> TokenSource:
    """The token from SHIPCALL_TOKEN, else the workspace's token file, else a new one (0600)."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        if len(env) < 16:
            raise ConfigError(f"{TOKEN_ENV} is too short ({len(env)} characters)", field=TOKEN_ENV,
                              hint="use at least 16 random characters, e.g. `python -c 'import secrets; "
                                   "print(secrets.token_urlsafe(32))'`")
        return TokenSource(env, "env")
    path = token_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, 0o600)  # someone loosened it: tighten back to owner-only
        token = path.read_text(encoding="utf-8").strip()
        if not token:
            raise ConfigError("the token file is empty", file=str(path),
                              hint=f"delete it to have a new token generated, or set {TOKEN_ENV}") from None
        return TokenSource(token, "file", path)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return TokenSource(token, "created", path)


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

    def __post_init__(self) -> None:
        self._expected = _digest(self.token)
        if not self.sources:
            self.sources.append(self.from_bearer)

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
    who = auth.principal(request)
    if who is None:
        given = request.headers.get("authorization")
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
