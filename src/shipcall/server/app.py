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
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shipcall.adapters.store.production_log import ProductionLog
from shipcall.app.redact import Redactor
from shipcall.app.serving import Server
from shipcall.app.workspace import Workspace
from shipcall.errors import ConfigError, ShipcallError
from shipcall.server.auth import Auth
from shipcall.server.errors import error_body, shipcall_error_response
from shipcall.server.fastpath import AskFastPath, replay_body

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from shipcall.config.schema import ServerConfig

log = logging.getLogger("shipcall.server")


def check_canary_flags(ws: Workspace, variant: str | None, candidate: str | None,
                       share: float | None) -> float | None:
    """`serve`'s --candidate and --share, checked before anything opens; the share to use."""
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
    return share


def seed_canary(ws: Workspace, baseline: str, candidate: str | None, share: float) -> Any:
    """The canary state in force at start (the flags stored when they change the split; see
    app/canary.seed). Done once per `serve`: by its process, or by the supervisor of its workers."""
    from shipcall.app.canary import CanaryState, seed

    try:
        state, warning = seed(ws, baseline, candidate, share)
    except ShipcallError as e:  # a store that cannot be written: serve the flags; health says degraded
        state, warning = CanaryState(baseline, candidate, share), e.message
    if warning:
        log.warning(warning)
    return state


def create_app(workspace: Workspace | str | Path | None = None, *, variant: str | None = None,
               candidate: str | None = None, share: float | None = None, token: str | None = None,
               settings: ServerConfig | None = None, live_canary: bool = True,
               canary_poll: float = 2.0, seed: bool = True, shared_limits: Path | None = None) -> FastAPI:
    """Open the workspace and its features and return the app (nothing listens yet).

    `token`: the bearer token (default: SHIPCALL_TOKEN or the workspace's token file, created
    on first use); `settings`: override `server:` from shipcall.yaml; `live_canary`: follow the
    canary split stored in the store (`shipcall canary ...`), re-read every `canary_poll` seconds.
    A worker of `serve --workers N` (server/workers.py) passes `seed=False` (its supervisor
    stored the flags' split once; a restarted worker must not undo a live change) and
    `shared_limits`, the rate-limit buckets all the workers share."""
    from shipcall.app.feature import Feature
    from shipcall.server.auth import check_token, load_or_create_token

    ws = workspace if isinstance(workspace, Workspace) else Workspace.open(workspace)
    settings = settings or ws.config.server
    share = check_canary_flags(ws, variant, candidate, share)
    redactor = Redactor(ws.config.redaction)
    redactor.warm_up()  # compiles the phone metadata now, not on the first request
    baseline = Feature.open(ws, variant)
    cand = Feature.open(ws, candidate) if candidate else None
    from shipcall.adapters.store.secret import load_or_create_secret
    from shipcall.app.retention import Retention
    from shipcall.core.ratelimit import parse_rate

    server = Server(ws=ws, settings=settings, log=ProductionLog(ws.store), redactor=redactor,
                    baseline=baseline, candidate=cand, share=float(share or 0.0),
                    secret=load_or_create_secret(ws.state_dir))
    auth = Auth(check_token(token, "token") if token else load_or_create_token(ws).token,
                public=frozenset(settings.public),
                login_rate=parse_rate(settings.login_rate_limit, field="server.login_rate_limit"),
                shared_limits=shared_limits)
    retention = Retention(ws.store, settings.retain) if settings.retain else None
    if retention is not None:
        retention.record()  # the legal narrative reads the retention in force from the store
    if live_canary:
        from shipcall.app.canary import CanaryState, CanaryWatch, read_state

        flags = CanaryState(baseline.name, cand.name if cand else None, float(share or 0.0) if cand else 0.0)
        if seed:
            state = seed_canary(ws, flags.baseline, flags.candidate, flags.share)
        else:
            try:
                state = read_state(ws.store) or flags
            except ShipcallError:
                state = flags
        server.canary = CanaryWatch(ws.store, state, poll=canary_poll)
        server.canary._next = 0.0  # read the stored split before the first answer
        server.follow_canary()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
        if retention is not None:
            retention.start()
        try:
            yield
        finally:
            server.close()
            if retention is not None:
                retention.stop()

    from shipcall._version import __version__

    app = FastAPI(title="shipcall", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # their pages load scripts from a CDN; /openapi.json stays
                  description="Ask questions over the workspace's documents; the production log; feedback.")
    app.state.server = server
    app.state.auth = auth

    app.add_middleware(AskFastPath)  # added first, so it runs after the limits below (server/fastpath.py)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    from shipcall.server.limits import RateLimit

    # added last, so it runs first: a refused client costs no body read, parse or answer
    app.add_middleware(RateLimit, rate=parse_rate(settings.rate_limit, field="server.rate_limit")
                       if settings.rate_limit else None, shared=shared_limits)
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


# -- errors -----------------------------------------------------------------------------------
def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShipcallError)
    async def _shipcall(_: Request, e: ShipcallError) -> JSONResponse:
        return shipcall_error_response(e)

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
        await self.app(scope, replay_body(b"".join(chunks), receive), send)

    async def _too_large(self, send: Any) -> None:
        import json

        body = json.dumps(error_body(f"the request body is larger than {self.max_bytes} bytes", None,
                                     "send a shorter question (server.max_body_bytes sets the limit)")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
