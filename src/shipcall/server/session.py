"""Sessions and cross-site request protection for the pages under /ui/.

- **Sign-in** (`/ui/login`, a form field named `token`): the server's token, checked in
  constant time by `Auth.check_token`, opens a session. The session cookie
  (`shipcall_session`) is `HttpOnly` (no script reads it), `SameSite=Strict` (no other site's
  page sends it) and `Secure` over HTTPS. Its value is signed, not stored: base64url(JSON
  {reviewer, expiry, nonce}) "." HMAC-SHA256 under a key derived from the token, so changing the
  token signs everyone out. Sessions last `SESSION_HOURS`. Signing out revokes the session on
  the server too: its nonce is recorded in the store until the session would have expired, so
  a copy of the cookie taken before sign-out opens nothing, on every replica sharing the store.
- **Cross-site request forgery**: every form that changes state (sign-in, sign-out, asking,
  feedback, reviews, promotion) carries a hidden `csrf` field equal to an HMAC of a random
  per-browser value kept in a second HttpOnly, SameSite=Strict cookie (`shipcall_csrf`): another
  site can neither read that cookie nor compute the HMAC without the key (the signed
  double-submit pattern of the OWASP cheat sheet). In addition, a POST whose `Origin` names
  another host, or whose `Sec-Fetch-Site` says `cross-site`, is refused before anything else runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

SESSION_COOKIE = "shipcall_session"
CSRF_COOKIE = "shipcall_csrf"
SESSION_HOURS = 12


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


REVOKED_PREFIX = "session_revoked:"
RECHECK_SECONDS = 2.0  # how long a "not revoked" answer from the store is trusted (other replicas' sign-outs)


@dataclass(frozen=True)
class Session:
    reviewer: str
    expires: int
    nonce: str = ""


class Sessions:
    """Issue, check and revoke signed session cookies, and CSRF tokens (see the module docstring).
    `store`: where revocations are kept (None: in this process only)."""

    def __init__(self, token: str, store: Any = None) -> None:
        self._key = hmac.new(hashlib.sha256(token.encode()).digest(), b"shipcall-pages-v1", hashlib.sha256).digest()
        self._store = store
        self._revoked: dict[str, int] = {}     # nonce -> expiry: signed out (known here)
        self._valid_at: dict[str, float] = {}  # nonce -> when the store last said it is not revoked
        self._lock = threading.Lock()

    def _sign(self, text: str) -> str:
        return _b64(hmac.new(self._key, text.encode(), hashlib.sha256).digest())

    def issue(self, reviewer: str, *, hours: float = SESSION_HOURS) -> str:
        body = _b64(json.dumps({"r": reviewer, "e": int(time.time() + hours * 3600),
                                "n": secrets.token_urlsafe(12)}, separators=(",", ":")).encode())
        return f"{body}.{self._sign('session:' + body)}"

    def read(self, value: str | None) -> Session | None:
        if not value or "." not in value:
            return None
        body, _, sig = value.rpartition(".")
        if not hmac.compare_digest(sig.encode(), self._sign("session:" + body).encode()):
            return None
        try:
            data = json.loads(_unb64(body))
            reviewer, expires, nonce = str(data["r"]), int(data["e"]), str(data.get("n", ""))
        except (ValueError, KeyError, TypeError):
            return None
        if expires < time.time() or self._is_revoked(nonce):
            return None
        return Session(reviewer, expires, nonce)

    def revoke(self, value: str | None) -> bool:
        """Sign a session out for good (server-side): True when there was a valid one to revoke."""
        session = self.read(value)
        if session is None:
            return False
        with self._lock:
            self._revoked[session.nonce] = session.expires
        if self._store is not None:
            self._store.set_meta(REVOKED_PREFIX + session.nonce, str(session.expires))
            now = time.time()
            stale = [k for k, v in self._store.meta_with_prefix(REVOKED_PREFIX).items()
                     if not v.isdigit() or int(v) < now]  # expired anyway: no need to remember
            if stale:
                self._store.delete_meta(stale)
        return True

    def _is_revoked(self, nonce: str) -> bool:
        if nonce in self._revoked:
            return True
        if self._store is None or not nonce:
            return False
        t = time.monotonic()
        with self._lock:
            if t - self._valid_at.get(nonce, -1e9) < RECHECK_SECONDS:
                return False
        if self._store.get_meta(REVOKED_PREFIX + nonce) is not None:
            with self._lock:
                self._revoked[nonce] = 0
            return True
        with self._lock:
            if len(self._valid_at) > 10_000:
                self._valid_at.clear()
            self._valid_at[nonce] = t
        return False

    def session(self, request: Request) -> Session | None:
        return self.read(request.cookies.get(SESSION_COOKIE))

    # -- CSRF -------------------------------------------------------------------------------
    def csrf_token(self, browser: str) -> str:
        return self._sign("csrf:" + browser)

    def check_csrf(self, request: Request, given: str | None) -> bool:
        browser = request.cookies.get(CSRF_COOKIE)
        if not browser or not given:
            return False
        return hmac.compare_digest(given.encode(), self.csrf_token(browser).encode())


def browser_id(request: Request) -> tuple[str, bool]:
    """The per-browser random value (from its cookie, or a new one: True when new)."""
    value = request.cookies.get(CSRF_COOKIE)
    if value and 16 <= len(value) <= 64:
        return value, False
    return secrets.token_urlsafe(24), True


def cross_site(request: Request) -> bool:
    """A state-changing request sent by another site's page (Origin or Sec-Fetch-Site say so)."""
    if request.headers.get("sec-fetch-site", "").lower() == "cross-site":
        return True
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin == "null"
    # compare hosts, not schemes: behind a TLS-terminating proxy the page is https, the app sees http
    own = request.headers.get("host", request.url.netloc)
    return urlsplit(origin).netloc.lower() != own.lower()


def cookie_args(request: Request) -> dict[str, Any]:
    return {"httponly": True, "samesite": "strict", "secure": request.url.scheme == "https", "path": "/"}


def set_session(response: Response, request: Request, value: str) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=int(SESSION_HOURS * 3600), **cookie_args(request))


def clear_session(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, **cookie_args(request))
