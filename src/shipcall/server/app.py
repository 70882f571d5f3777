"""The HTTP server's app factory: `create_app(workspace)` → a FastAPI app.

One `Server` per app holds what every request shares: the store and its production log, the
redactor, the token check and the opened features (the BM25 index is loaded once, at start).
Routes live in `server/api.py` (JSON under /v1/). Pages plug in the same way: another router
included in `create_app`, reading `request.app.state.server` and guarded by
`server.auth.check_request` (or a redirect to a sign-in page), with a session-cookie credential
appended to `app.state.auth.sources` so that the API accepts it too.

Concurrency: uvicorn runs the (sync) routes on a thread pool of `server.threads` threads, and
every request shares the opened features. `Feature.answer` serialises retrieval itself (its
retrievers need not be thread-safe); generation runs concurrently, as in a run with
`concurrency` > 1, so an LLM variant's calls overlap instead of queueing. The extractive
generator only reads shared state, apart from PyStemmer's stemmer, whose C code never releases
the GIL (so one call cannot interleave with another). Redaction holds no state; on SQLite the
log's writes take turns on their own lock (`store/production_log.py`).

Errors: a ShipcallError becomes a 4xx with `{error, field, hint}` (NotFoundError → 404,
`ApiError` → its status, any other → 400); request validation → 422 (malformed JSON → 400);
oversize bodies → 413; every other HTTP error keeps its status with the same body shape.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shipcall.core.production import ProductionLogEntry, assign_arm, client_hash, user_hash
from shipcall.core.redaction import Redactor
from shipcall.errors import ConfigError, NotFoundError, ShipcallError
from shipcall.server.auth import Auth
from shipcall.store.production_log import ProductionLog, now
from shipcall.workspace import Workspace

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from shipcall.config.schema import ServerConfig
    from shipcall.feature import Feature

log = logging.getLogger("shipcall.server")
PROBE_SECONDS = 2.0
FAILED_WRITE_SECONDS = 30.0


class ApiError(ShipcallError):
    """A request error with an explicit HTTP status."""

    def __init__(self, status: int, message: str, *, field: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, field=field, hint=hint)
        self.status = status


@dataclass
class Served:
    """One answered question: what /v1/ask returns and what was logged."""

    request_id: str
    feature: Feature
    response: Any  # shipcall.feature.Response
    entry: ProductionLogEntry


@dataclass
class Server:
    ws: Workspace
    settings: ServerConfig
    log: ProductionLog
    redactor: Redactor
    baseline: Feature
    candidate: Feature | None = None
    share: float = 0.0
    secret: bytes = b""  # keys the user pseudonyms (store/secret.py)
    started_at: str = field(default_factory=now)
    _last_write_error: tuple[float, str] | None = None  # (when, why) the latest log write failed
    _probe: tuple[float, str | None] = (-1e9, None)    # (when, error) of the latest write probe
    _probe_lock: threading.Lock = field(default_factory=threading.Lock)

    def features(self) -> list[Feature]:
        return [self.baseline] + ([self.candidate] if self.candidate else [])

    def ask(self, question: str, user: str | None = None, client: str | None = None) -> Served:
        """Answer, redact, log (committed), and only then return. `client`: the asker's network
        address, logged as a pseudonym when there is no `user` (per-user caps)."""
        t0 = time.perf_counter()
        question = question.strip()
        self.check_length(question, "question", self.settings.max_question_chars)
        arm = "baseline"
        if self.candidate is not None:
            arm = assign_arm(user, self.share, salt=self.candidate.name, draw=random.random())
        feature = self.candidate if arm == "candidate" and self.candidate is not None else self.baseline
        r = feature.answer(question)
        t1 = time.perf_counter()
        q = self.redactor.redact(question)
        a = self.redactor.redact(r.answer.text)
        t2 = time.perf_counter()
        counts = dict(q.counts)
        for k, v in a.counts.items():
            counts[k] = counts.get(k, 0) + v
        request_id = uuid.uuid4().hex
        entry = ProductionLogEntry(
            request_id=request_id, created_at=now(), variant=feature.name, question=q.text, answer=a.text,
            abstained=r.answer.abstained, support=float(r.answer.support), arm=arm,  # type: ignore[arg-type]
            variant_hash=getattr(feature, "variant_hash", feature.variant.hash),  # with its prompt's hash
            user_hash=user_hash(user, self.secret) if user else client_hash(client, self.secret),
            retrieved=[{"doc_id": sc.chunk.doc_id, "chunk_id": sc.chunk.id, "score": round(sc.score, 6),
                        "rank": sc.rank} for sc in r.chunks],
            citations=[{"doc_id": c.doc_id, "chunk_id": c.chunk_id} for c in r.answer.citations],
            latency_ms={**{k: round(v, 3) for k, v in r.latency_ms.items()},
                        "redact": round((t2 - t1) * 1000, 3),
                        "server": round((t2 - t0) * 1000, 3)},
            redactions=counts, corpus_version=feature.corpus_version,
        )
        try:
            self.log.add(entry)  # committed before the caller sees a request id
        except Exception as e:
            self._last_write_error = (time.monotonic(), getattr(e, "message", None) or str(e))
            raise
        self._last_write_error = None
        return Served(request_id, feature, r, entry)

    def health(self) -> str | None:
        """Why the store cannot take the log's writes right now, or None: a write probe (at most
        one every PROBE_SECONDS) and the latest real log write, if it failed in the last
        FAILED_WRITE_SECONDS (so a load balancer stops sending traffic, and sends it again once
        the probe passes, without a restart)."""
        t = time.monotonic()
        with self._probe_lock:
            if t - self._probe[0] >= PROBE_SECONDS:
                self._probe = (t, self.ws.store.write_probe())
            error = self._probe[1]
        failed = self._last_write_error
        if error is None and failed is not None and t - failed[0] < FAILED_WRITE_SECONDS:
            error = f"the last production log write failed: {failed[1]}"
        return error

    def check_length(self, text: str, field: str, limit: int | None = None) -> None:
        """Size limits come before any work (redaction, answering, storing)."""
        limit = limit or self.settings.max_comment_chars
        if len(text) > limit:
            key = "max_question_chars" if field == "question" else "max_comment_chars"
            raise ApiError(422, f"{field} is too long ({len(text)} characters)", field=field,
                           hint=f"at most {limit} characters (server.{key})")

    def feedback(self, request_id: str, rating: str, comment: str | None) -> dict[str, Any]:
        self.check_length(comment or "", "comment")
        red = self.redactor.redact(comment or "")
        fb = self.log.add_feedback(request_id, rating, red.text, red.counts)
        return {"request_id": fb.request_id, "rating": fb.rating, "comment": fb.comment,
                "created_at": fb.created_at, "redactions": fb.redactions}


def create_app(workspace: Workspace | str | Path | None = None, *, variant: str | None = None,
               candidate: str | None = None, share: float | None = None, token: str | None = None,
               settings: ServerConfig | None = None) -> FastAPI:
    """Open the workspace and its features and return the app (nothing listens yet).

    `token`: the bearer token (default: SHIPCALL_TOKEN or the workspace's token file, created
    on first use); `settings`: override `server:` from shipcall.yaml."""
    from shipcall.feature import Feature
    from shipcall.server.auth import check_token, load_or_create_token

    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    settings = settings or ws.config.server
    if candidate is not None:
        share = 0.1 if share is None else share
        if not 0 <= share <= 1:
            raise ConfigError(f"--share must be between 0 and 1 (got {share})", field="--share",
                              hint="0.1 sends a tenth of the traffic to the candidate")
        ws.variant(candidate)  # unknown names fail here, naming the variants
        if candidate == (variant or ws.config.default_variant):
            raise ConfigError(f"the candidate is the baseline variant ({candidate!r})", field="--candidate",
                              hint="pick another variant from shipcall.yaml as the candidate")
    elif share:
        raise ConfigError("--share needs --candidate", field="--share", hint="name the candidate variant too")
    redactor = Redactor(ws.config.redaction)
    redactor.warm_up()  # compiles the phone metadata now, not on the first request
    baseline = Feature.open(ws, variant)
    cand = Feature.open(ws, candidate) if candidate else None
    from shipcall.store.secret import load_or_create_secret

    server = Server(ws=ws, settings=settings, log=ProductionLog(ws.store), redactor=redactor,
                    baseline=baseline, candidate=cand, share=float(share or 0.0),
                    secret=load_or_create_secret(ws.state_dir))
    from shipcall.core.ratelimit import parse_rate

    auth = Auth(check_token(token, "token") if token else load_or_create_token(ws).token,
                public=frozenset(settings.public),
                login_rate=parse_rate(settings.login_rate_limit, field="server.login_rate_limit"))
    retention = Retention(ws, settings.retain) if settings.retain else None
    if retention is not None:
        retention.record()  # the legal narrative reads the retention in force from the store

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if retention is not None:
            retention.start()
        try:
            yield
        finally:
            if retention is not None:
                retention.stop()

    import shipcall

    app = FastAPI(title="shipcall", version=getattr(shipcall, "__version__", "0"), lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; /openapi.json stays
                  description="Ask questions over the workspace's documents; the production log; feedback.")
    app.state.server = server
    app.state.auth = auth
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    from shipcall.server.limits import RateLimit

    # added last, so it runs first: a refused client costs no body read, parse or answer
    app.add_middleware(RateLimit, rate=parse_rate(settings.rate_limit, field="server.rate_limit")
                       if settings.rate_limit else None)
    _install_error_handlers(app)

    from shipcall.server.api import router

    app.include_router(router)
    _add_pages(app, auth)
    return app


def _add_pages(app: FastAPI, auth: Auth) -> None:
    """The /ui/ pages (server/pages.py), their static files, and the session cookie as one more
    credential (so a signed-in browser may also read /v1/logs)."""
    from starlette.staticfiles import StaticFiles

    from shipcall.server.cache import PageCache
    from shipcall.server.pages import router as pages
    from shipcall.server.session import Sessions

    sessions = Sessions(auth.token, store=app.state.server.ws.store)
    app.state.page_cache = PageCache()  # expensive pages (comparisons), computed once per key
    app.state.sessions = sessions

    def from_session(request: Request) -> str | None:
        s = sessions.session(request)
        return f"session:{s.reviewer}" if s else None

    auth.sources.append(from_session)
    app.include_router(pages)
    app.mount("/ui/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="ui-static")


# -- retention ----------------------------------------------------------------------------------
class Retention:
    """`serve --retain 30d`: delete log entries older than that, at start and then every hour
    (or a tenth of the retention, if shorter; at least a minute apart), in a background thread."""

    def __init__(self, ws: Workspace, keep: str) -> None:
        from shipcall.core.retention import parse_duration

        self.ws = ws
        self.text = keep
        self.keep = parse_duration(keep, field="--retain")
        self.every = max(60.0, min(3600.0, self.keep / 10))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self) -> None:
        from shipcall.store.production_log import RETENTION_KEY

        self.ws.store.set_meta(RETENTION_KEY, self.text)

    def prune_once(self) -> dict[str, Any]:
        from datetime import UTC, datetime, timedelta

        from shipcall.store.production_log import prune

        before = (datetime.now(UTC) - timedelta(seconds=self.keep)).isoformat(timespec="milliseconds")
        return prune(self.ws.store, before)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.prune_once()
                if done["deleted"]["entries"]:
                    log.info("retention: deleted %s log entries before %s", done["deleted"]["entries"], done["before"])
            except Exception:  # a failed pass (a full disk) is retried at the next one; serving goes on
                log.exception("retention: pruning the production log failed")
            self._stop.wait(self.every)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="shipcall-retention", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


# -- errors -----------------------------------------------------------------------------------
def error_body(error: str, field: str | None = None, hint: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": error, "field": field, "hint": hint, **extra}


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShipcallError)
    async def _shipcall(_: Request, e: ShipcallError) -> JSONResponse:
        from shipcall.errors import StoreError

        status = (e.status if isinstance(e, ApiError) else 404 if isinstance(e, NotFoundError)
                  else 503 if isinstance(e, StoreError) else 400)  # 503: the store failed, not the request
        if isinstance(e, StoreError):
            log.error("%s", e)  # the operator's copy names the file; the caller's does not
        return JSONResponse(error_body(e.message, e.field, e.hint), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, e: RequestValidationError) -> JSONResponse:
        errors = e.errors()
        first = errors[0] if errors else {"msg": "invalid request", "loc": (), "type": ""}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or None
        if first.get("type") == "json_invalid":
            return JSONResponse(error_body("the body is not valid JSON", None,
                                           'send a JSON object, e.g. {"question": "..."}'), status_code=400)
        msg = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        kind = first.get("type")
        if kind == "missing":
            msg = "is required"
        elif kind == "extra_forbidden":
            msg = "unknown field"
        hint = None
        if kind in ("missing", "extra_forbidden", "model_attributes_type", "dict_type"):
            hint = "see /openapi.json for the request schema"
        return JSONResponse(error_body(f"{field}: {msg}" if field else msg, field, hint,
                                       errors=[{"field": ".".join(str(p) for p in x.get("loc", ())[1:]) or None,
                                                "error": str(x.get("msg"))} for x in errors]),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, e: StarletteHTTPException) -> JSONResponse:
        hint = None
        if e.status_code == 401:
            hint = "send `Authorization: Bearer TOKEN` (SHIPCALL_TOKEN, or .shipcall/token in the workspace)"
        elif e.status_code == 404:
            hint = "the endpoints are listed in /openapi.json"
        detail = e.detail if isinstance(e.detail, str) else "error"
        if e.status_code == 404 and detail == "Not Found":
            detail = f"no such endpoint: {request.method} {request.url.path}"
        return JSONResponse(error_body(detail, None, hint), status_code=e.status_code,
                            headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(_: Request, e: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(error_body("internal error (a bug in shipcall; the server log has the traceback)"),
                            status_code=500)


# -- request body size limit --------------------------------------------------------------------
class BodyLimit:
    """Reject request bodies above `max_bytes` with 413, whether or not Content-Length is sent
    (the body is read, up to the limit, before the app sees it)."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large(send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._too_large(send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        whole = b"".join(chunks)
        delivered = False

        async def replay() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()  # type: ignore[no-any-return]

        await self.app(scope, replay, send)

    async def _too_large(self, send: Any) -> None:
        import json

        body = json.dumps(error_body(f"the request body is larger than {self.max_bytes} bytes", None,
                                     "send a shorter question (server.max_body_bytes sets the limit)")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
