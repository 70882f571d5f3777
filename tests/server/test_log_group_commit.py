"""The production log's group commit under a real server: concurrent asks are logged once each and
before their answer is sent; a graceful shutdown (SIGTERM, SIGINT, Ctrl-C) in the middle of the
load leaves no answered request without its row."""

from __future__ import annotations

import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shipcall.adapters.store.production_log import ProductionLog
from shipcall.adapters.store.store import Store
from tests.server.conftest import HTTP_TIMEOUT, TOKEN, client, live

QUESTIONS = [
    "How many days of paid time off do full-time employees get? mail me at jane.doe{i}@example.com",
    "How many weeks of parental leave do birth parents receive? call +44 20 7946 0{j:03d}",
    "Are contractors eligible for paid time off?",
]


def _question(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)].format(i=i, j=i % 1000)


def test_concurrent_asks_are_logged_once_each_before_their_answer(ingested) -> None:  # noqa: ANN001
    from shipcall.server.app import create_app

    app = create_app(ingested, token=TOKEN)
    reader = ProductionLog(Store.open(ingested.store_url()))  # another engine: sees only committed rows
    local = threading.local()

    def ask(i: int) -> tuple[int, str, bool]:
        if not hasattr(local, "c"):
            local.c = client(base_url=url)
        r = local.c.post("/v1/ask", json={"question": _question(i), "user": f"u{i % 7}"})
        rid = r.json()["request_id"]
        return r.status_code, rid, rid in reader.request_ids()

    with live(app) as url, ThreadPoolExecutor(16) as pool:
        results = list(pool.map(ask, range(160)))
    assert [s for s, _, _ in results] == [200] * 160
    ids = [rid for _, rid, _ in results]
    assert len(set(ids)) == 160
    assert all(seen for _, _, seen in results), "an answer arrived before its row was committed"
    assert reader.count() == 160 and reader.request_ids() == set(ids)
    assert not any("example.com" in e.question or "7946" in e.question
                   for e in reader.entries(limit=None, with_feedback=False))


def _load(url: str, acknowledged: list[str], stop: threading.Event, clients: int = 12) -> list[threading.Thread]:
    """Clients asking back to back until `stop` (or a bound of 200 asks each); the request ids of
    the answers they received go to `acknowledged`."""
    import httpx

    lock = threading.Lock()

    def run(k: int) -> None:
        with httpx.Client(base_url=url, timeout=HTTP_TIMEOUT) as c:
            for n in range(200):
                if stop.is_set():
                    return
                try:
                    r = c.post("/v1/ask", json={"question": _question(k * 1000 + n)})
                except httpx.TransportError:
                    return  # the server has stopped
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(r.json()["request_id"])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    return threads


def _wait_for(acknowledged: list[str], n: int) -> None:
    deadline = time.monotonic() + 600  # a bound for a busy machine, not a speed expectation
    while len(acknowledged) < n and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(acknowledged) >= n


def test_a_graceful_shutdown_mid_load_leaves_every_answer_logged(ingested) -> None:  # noqa: ANN001
    """uvicorn's graceful exit (what its SIGTERM and SIGINT handlers start), while 12 clients ask."""
    import uvicorn

    from shipcall.server.app import create_app

    app = create_app(ingested, token=TOKEN)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=10))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "uvicorn did not start"
        time.sleep(0.01)
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = _load(f"http://127.0.0.1:{sock.getsockname()[1]}", acknowledged, stop)
    try:
        _wait_for(acknowledged, 60)
        server.should_exit = True  # what uvicorn's signal handler does
        thread.join(timeout=120)
        assert not thread.is_alive()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=HTTP_TIMEOUT)
        sock.close()
    writer = app.state.server._loop_writer
    assert writer is not None and not writer._pending  # nothing left unwritten at exit
    log = ProductionLog(Store.open(ingested.store_url()))
    assert set(acknowledged) <= log.request_ids()
    assert log.count() == len(log.request_ids())  # each once


@pytest.mark.slow  # starts real server processes
@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2)])
def test_a_signal_mid_load_leaves_every_answer_logged(ingested, serve_process, sig: Any, workers: int) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root, *(["--workers", str(workers)] if workers > 1 else []))
    acknowledged: list[str] = []
    stop = threading.Event()
    threads = _load(srv.url, acknowledged, stop)
    try:
        _wait_for(acknowledged, 100)
        srv.proc.send_signal(sig)
        # it stops (uvicorn re-raises the signal once it has shut down; the CLI exits 130 on Ctrl-C)
        assert srv.proc.wait(timeout=120) in (0, -sig, 128 + sig)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=HTTP_TIMEOUT)
    log = ProductionLog(Store.open(ingested.store_url()))
    logged = log.request_ids()
    missing = set(acknowledged) - logged
    assert not missing, f"{len(missing)} answered requests have no log row"
    assert log.count() == len(logged)
