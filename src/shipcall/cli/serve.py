"""`shipcall serve`: the HTTP API over the workspace's documents, with an optional canary."""

from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING

import click

from shipcall.cli._common import emit_json, json_option, workspace

if TYPE_CHECKING:
    from shipcall.core.ratelimit import Rate

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
DEFAULT_RATE_LIMIT = "120/min"  # per client address, when serve binds an address other machines reach


@click.command("serve")
@click.option("--variant", "-v", default=None, help="Variant that answers (default: the first in shipcall.yaml).")
@click.option("--candidate", default=None, help="Canary: a second variant that answers a share of the traffic.")
@click.option("--share", type=float, default=None,
              help="Share of traffic for --candidate, 0-1 (default 0.1); sticky per `user`.")
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1: this machine only).")
@click.option("--port", type=int, default=None, help="Port (default 8000; 0 picks a free one).")
@click.option("--threads", type=int, default=None, help="Request worker threads (default: server.threads, 64).")
@click.option("--workers", type=int, default=None,
              help="Server processes sharing the port (default: server.workers, 1); one per core lets "
                   "throughput grow with the cores. The log, canary, token and rate limits are shared.")
@click.option("--access-log/--no-access-log", default=False, show_default=True,
              help="Print one line per HTTP request on stderr.")
@click.option("--rate-limit", default=None, metavar="COUNT/UNIT",
              help="Per-client limit on /v1/ask, /v1/feedback and sign-in, e.g. 120/min, or off (default: "
                   "server.rate_limit; else 120/min when --host is not a loopback address, off on 127.0.0.1). "
                   "Refused requests get 429 with Retry-After.")
@click.option("--retain", default=None, metavar="DURATION",
              help="Delete production log entries older than this (e.g. 30d), at start and hourly "
                   "(default: server.retain; else kept until `shipcall logs prune`).")
@click.option("--migrate", is_flag=True, help="Apply the store's pending migrations first (else a store "
                                               "with pending migrations is refused).")
@json_option
@click.pass_context
def cli(ctx: click.Context, variant: str | None, candidate: str | None, share: float | None, host: str | None,
        port: int | None, threads: int | None, workers: int | None, access_log: bool, rate_limit: str | None,
        retain: str | None, migrate: bool, as_json: bool) -> None:
    """Serve the feature over HTTP: POST /v1/ask, POST /v1/feedback, GET /v1/health,
    GET /v1/logs (token), /openapi.json.

    Every answered question is logged in the store (personal data redacted) before the answer
    is sent. Reading the log needs the token: SHIPCALL_TOKEN, or the one generated on the
    first start, stored in .shipcall/token (owner-only) and printed once. With --json, one JSON
    document with the address and settings goes to stdout; everything else to stderr.

    Example: shipcall serve --candidate small --share 0.2 --port 8000
    """
    from shipcall.errors import ConfigError, MissingExtraError

    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise MissingExtraError("shipcall serve needs the `server` extra (FastAPI, uvicorn)",
                                hint='pip install -e ".[server]"   (or: pip install "shipcall[server]")') from None
    from shipcall.server.app import create_app
    from shipcall.server.auth import load_or_create_token

    ws = workspace(ctx)
    _check_migrations(ws, migrate)
    settings = ws.config.server
    if threads is not None:
        if threads < 1:
            raise ConfigError(f"must be at least 1 (got {threads})", field="--threads")
        settings = settings.model_copy(update={"threads": threads})
    workers = settings.workers if workers is None else workers
    if workers < 1:
        raise ConfigError(f"must be at least 1 (got {workers})", field="--workers")
    host = host or settings.host
    port = settings.port if port is None else port
    if not 0 <= port <= 65535:
        raise ConfigError(f"not a port: {port}", field="--port", hint="use 1-65535, or 0 for a free port")
    from shipcall.core.retention import parse_duration

    rate = resolve_rate_limit(rate_limit, settings.rate_limit, host)
    keep = retain or settings.retain
    if keep is not None:
        parse_duration(keep, field="--retain")
    settings = settings.model_copy(update={"rate_limit": str(rate) if rate else None, "retain": keep})
    token = load_or_create_token(ws)
    if workers == 1:
        app = create_app(ws, variant=variant, candidate=candidate, share=share, token=token.token,
                         settings=settings)
        server = app.state.server
        serving = (server.baseline.name, server.candidate.name if server.candidate else None, server.share)
    else:  # the workers build their apps; here only what must happen once
        from shipcall.server import workers as multi

        state = multi.prepare(ws, variant, candidate, share)
        serving = (state.baseline, state.candidate, state.share if state.candidate else 0.0)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    url_host = f"[{host}]" if ":" in host else host
    url = f"http://{url_host}:{bound_port}"
    info = {
        "url": url, "host": host, "port": bound_port, "local_only": host in LOCAL_HOSTS,
        "variant": serving[0], "candidate": serving[1], "share": serving[2], "workers": workers,
        "public": sorted(settings.public), "token_source": token.origin,
        "token_file": str(token.path) if token.path else None,
        "token": token.token if token.origin == "created" else None,
        "rate_limit": str(rate) if rate else None, "retain": keep,
    }
    out = sys.stderr if as_json else sys.stdout
    if as_json:
        emit_json(info)
        sys.stdout.flush()
    canary = f"; canary: {serving[1]} answers {serving[2]:.0%} of traffic, sticky per user" if serving[1] else ""
    procs = f" ({workers} worker processes)" if workers > 1 else ""
    _say(out, f"shipcall serve: {serving[0]}{canary}{procs}")
    _say(out, f"listening on {url} (docs at {url}/openapi.json)")
    _say(out, f"pages: {url}/ui/ask, {url}/ui/runs, {url}/ui/review (the review pages ask for the token)")
    if host in LOCAL_HOSTS:
        _say(out, f"bound to {host} only: other machines cannot connect (use --host 0.0.0.0 to allow them)")
    else:
        _say(out, f"bound to {host}: other machines can connect; asking is "
                  f"{'open' if settings.public else 'token-only'}, the log always needs the token")
    if token.origin == "created":
        _say(out, f"token (shown this once; stored owner-only in {token.path}): {token.token}")
    elif token.origin == "env":
        _say(out, "token: from SHIPCALL_TOKEN")
    else:
        _say(out, f"token: in {token.path} (owner-only)")
    opened = ", ".join(f"/v1/{p}" for p in sorted(settings.public)) or "nothing"
    _say(out, f"without the token: /v1/health, {opened}; Ctrl-C stops")
    _say(out, f"rate limit per client address: {rate} on the open endpoints (429 with Retry-After)" if rate else
         "rate limit: off (bound to this machine only; --rate-limit 120/min turns it on)")
    _say(out, f"log retention: entries older than {keep} are deleted hourly" if keep else
         "log retention: entries are kept until `shipcall logs prune --before ...` (or --retain 30d)")
    problem = server.health() if workers == 1 else ws.store.write_probe()
    if problem:
        _say(out, f"warning: the store cannot be written ({problem}); /v1/health answers 503 degraded "
                  "and questions fail until it can")
    level = "info" if access_log else "warning"
    if workers > 1:
        multi.run(ws, sock, workers, variant=variant, candidate=candidate, share=share,
                  settings=settings.model_copy(update={"retain": keep}), log_level=level, access_log=access_log)
        return
    config = uvicorn.Config(app, log_level=level, access_log=access_log, timeout_graceful_shutdown=10,
                            server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def _check_migrations(ws: object, migrate: bool) -> None:
    """Several replicas share one store: a replica of a newer shipcall must not change its schema
    under the others unannounced. A store with pending migrations is refused unless --migrate
    (a new, empty store is simply created)."""
    from shipcall.adapters.store.store import Store
    from shipcall.app.store import store_missing
    from shipcall.errors import StoreError

    url = ws.store_url()  # type: ignore[attr-defined]
    if store_missing(url):
        return
    probe = Store.open(url, migrate=False)
    try:
        pending, applied = probe.migrations_pending(), probe.migrations_applied()
        if pending and applied:
            if not migrate:
                raise StoreError(f"the store {probe.url} has {len(pending)} pending migration(s): "
                                 f"{', '.join(pending)}",
                                 hint="apply them on purpose: `shipcall store migrate` (or serve --migrate)")
            probe.migrate()
    finally:
        probe.close()


def resolve_rate_limit(flag: str | None, configured: str | None, host: str) -> Rate | None:
    """--rate-limit, else server.rate_limit, else 120/min on an address other machines reach and
    off on a loopback one (local load tests send hundreds of questions from one address)."""
    from shipcall.core.ratelimit import parse_rate

    text = flag or configured or (DEFAULT_RATE_LIMIT if host not in LOCAL_HOSTS else "off")
    return parse_rate(text, field="--rate-limit" if flag else "server.rate_limit")


def _say(out: object, line: str) -> None:
    click.echo(line, file=out)  # type: ignore[arg-type]
    out.flush()  # type: ignore[attr-defined]


def _bind(host: str, port: int) -> socket.socket:
    from shipcall.errors import ConfigError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise ConfigError(f"cannot resolve {host!r}: {e.strerror}", field="--host") from None
    family, _, _, _, addr = infos[0]
    # proto must say TCP: asyncio turns Nagle off (TCP_NODELAY) only on sockets that do, and with
    # Nagle on, every keep-alive response waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as e:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror}", field="--port",
                          hint="another program uses that port: pick another with --port (0 picks a free one)"
                          ) from None
    sock.set_inheritable(True)
    return sock
