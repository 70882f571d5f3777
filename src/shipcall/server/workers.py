"""`shipcall serve --workers N`: N server processes taking turns on one listening socket, so that
throughput grows with the machine's cores (one process is one GIL: one core's worth of Python).

uvicorn's own supervisor (`uvicorn.supervisors.Multiprocess`, what `uvicorn --workers` runs)
starts the workers, restarts one that dies and stops them all on Ctrl-C or SIGTERM. Each worker
is a fresh process (spawned, not forked: no store connection or thread crosses over) that builds
its app with `create_app` from the settings this supervisor puts in its environment.

What the workers share, so that N workers behave as one server:
- the store: the production log (each request is logged once, by the worker that answered it,
  committed before the answer is sent), feedback, sessions and their revocations;
- the canary: stored in the store (app/canary.py). The supervisor records the flags' split once
  (`seed_canary`); workers only read it (a restarted worker must not undo a live change), and
  a user's variant is a hash of the user, so it is the same on every worker;
- the token (SHIPCALL_TOKEN or the workspace's token file) and the user pseudonym key (a file);
- the rate limits: one buckets file in a private temporary folder (adapters/shared_limits.py);
- retention: pruned by the supervisor alone, not once per worker.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import socket

    from fastapi import FastAPI

    from shipcall.app.workspace import Workspace
    from shipcall.config.schema import ServerConfig

ENV = "SHIPCALL_SERVE_WORKER"  # the supervisor's settings for its workers (JSON)


def app_from_env() -> FastAPI:
    """The app of one worker (uvicorn's factory, called in the worker process)."""
    from shipcall.config.schema import ServerConfig
    from shipcall.server.app import create_app

    spec = json.loads(os.environ[ENV])
    return create_app(spec["root"], variant=spec["variant"], candidate=spec["candidate"], share=spec["share"],
                      settings=ServerConfig.model_validate(spec["settings"]), seed=False,
                      shared_limits=Path(spec["limits"]))


def prepare(ws: Workspace, variant: str | None, candidate: str | None, share: float | None) -> Any:
    """In the supervisor, before any worker starts: check the flags, build any missing index once
    (not N times at once), record the canary split once. Returns the canary state in force."""
    from shipcall.app.feature import Feature, index_is_complete
    from shipcall.errors import CorpusError
    from shipcall.server.app import check_canary_flags, seed_canary

    share = check_canary_flags(ws, variant, candidate, share)
    version = ws.store.corpus_version()
    if version is None:
        raise CorpusError("the workspace has no corpus yet",
                          hint="run `shipcall ingest PATH` (a folder of documents) first")
    names = [ws.variant(variant)[0]] + ([candidate] if candidate else [])
    for name in names:
        if not index_is_complete(ws, ws.variant(name)[1], version):
            Feature.open(ws, name)  # builds it; each worker then loads it
    return seed_canary(ws, names[0], candidate, float(share or 0.0) if candidate else 0.0)


def run(ws: Workspace, sock: socket.socket, workers: int, *, variant: str | None, candidate: str | None,
        share: float | None, settings: ServerConfig, log_level: str, access_log: bool) -> None:
    """Serve on `sock` with `workers` processes until Ctrl-C or SIGTERM."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from shipcall.adapters.shared_limits import create

    limits = Path(tempfile.mkdtemp(prefix="shipcall-serve-limits-"))  # private (0700), removed at exit
    create(limits / "buckets.sqlite")
    os.environ[ENV] = json.dumps({
        "root": str(ws.root), "variant": variant, "candidate": candidate, "share": share,
        "settings": settings.model_copy(update={"retain": None}).model_dump(mode="json"),
        "limits": str(limits / "buckets.sqlite"),
    })
    retention = None
    if settings.retain:
        from shipcall.app.retention import Retention

        retention = Retention(ws.store, settings.retain)
        retention.record()
        retention.start()
    config = uvicorn.Config("shipcall.server.workers:app_from_env", factory=True, workers=workers,
                            log_level=log_level, access_log=access_log, timeout_graceful_shutdown=10,
                            server_header=False)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        if retention is not None:
            retention.stop()
        shutil.rmtree(limits, ignore_errors=True)
