"""Nothing is lost under load or when the server is killed: `shipcall serve` as a real process,
real HTTP clients on threads, the store read back afterwards."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from shipcall.adapters.store.production_log import ProductionLog
from shipcall.adapters.store.store import Store
from tests.server.conftest import HTTP_TIMEOUT

pytestmark = pytest.mark.slow  # load and kill -9 under load

QUESTIONS = [
    "How many days of paid time off do full-time employees get? mail me at jane.doe{i}@example.com",
    "How many weeks of parental leave do birth parents receive? call +44 20 7946 0{j:03d}",
    "Are contractors eligible for paid time off?",
    "Which printer model is in the Brazil office?",
]


def _question(i: int) -> str:
    return QUESTIONS[i % len(QUESTIONS)].format(i=i, j=i % 1000)


def test_500_requests_from_50_clients_give_500_rows_and_500_ids(ingested, serve_process) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root)
    local = threading.local()

    def ask(i: int) -> tuple[int, str | None]:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=srv.url, timeout=HTTP_TIMEOUT)
        r = local.client.post("/v1/ask", json={"question": _question(i), "user": f"u{i % 70}"})
        return r.status_code, r.json().get("request_id")

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(ask, range(500)))
    assert [s for s, _ in results] == [200] * 500
    ids = {rid for _, rid in results}
    assert len(ids) == 500
    log = ProductionLog(Store.open(ingested.store_url()))
    assert log.count() == 500
    assert log.request_ids() == ids
    rows = log.entries(limit=500, with_feedback=False)
    assert not any("example.com" in e.question or "7946" in e.question for e in rows)


def test_killing_the_server_mid_load_loses_no_acknowledged_request(ingested, serve_process) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()
    failures: list[str] = []

    def client(k: int) -> None:
        with httpx.Client(base_url=srv.url, timeout=HTTP_TIMEOUT) as c:
            for n in range(200):  # bounded: at most 50 × 200 requests even if the kill never comes
                if stop.is_set():
                    return
                try:
                    r = c.post("/v1/ask", json={"question": _question(k * 1000 + n)})
                except httpx.TransportError as e:
                    failures.append(type(e).__name__)
                    return
                if r.status_code == 200:
                    with lock:
                        acknowledged.append(r.json()["request_id"])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(50)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 600  # a bound for a busy machine, not a speed expectation
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.005)
    srv.kill()  # SIGKILL, mid-load: no shutdown handler runs
    stop.set()
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT)
    assert len(acknowledged) >= 300
    assert failures, "the kill should have cut some requests off"
    logged = ProductionLog(Store.open(ingested.store_url())).request_ids()
    missing = set(acknowledged) - logged
    assert not missing, f"{len(missing)} acknowledged requests have no log row"
    assert len(logged) >= len(acknowledged)  # rows may exist for answers the kill cut off
    print(f"\nkill mid-load: {len(acknowledged)} acknowledged, {len(logged)} rows, {len(missing)} missing")
