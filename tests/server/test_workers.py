"""`shipcall serve --workers 2`: two real worker processes on one port behave as one server —
every answered question logged exactly once, a user's canary variant the same from either
worker, the rate limit counted once for both, the failed sign-in throttle too."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from shipcall.adapters.shared_limits import SharedLimiter
from shipcall.core.ratelimit import Limiter, Rate
from tests.server.conftest import TOKEN, http

QUESTION = "How many days of paid time off do full-time employees get?"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_two_limiters_on_one_file_share_one_budget(tmp_path: Path) -> None:
    """Two workers' limiters (two connections to one file) spend one bucket per client, with
    the arithmetic of the in-process limiter."""
    rate = Rate(3, 60.0)
    path = tmp_path / "buckets.sqlite"
    a, b, alone = SharedLimiter(path, rate, "requests"), SharedLimiter(path, rate, "requests"), Limiter(rate)
    waits = [(a if i % 2 else b).take("10.0.0.1", 100.0) for i in range(5)]
    assert waits == [alone.take("10.0.0.1", 100.0) for _ in range(5)]
    assert waits[:3] == [0.0, 0.0, 0.0] and waits[3] == pytest.approx(20.0)
    assert a.wait("10.0.0.1", 100.0) == pytest.approx(20.0)
    assert b.take("10.0.0.2", 100.0) == 0.0  # another client has its own bucket
    assert SharedLimiter(path, rate, "failed_sign_ins").take("10.0.0.1", 100.0) == 0.0  # another limit too
    assert a.take("10.0.0.1", 120.0) == 0.0  # refilled: one token per 20 s


def _first_takes(path: str, start: float) -> int:
    """One worker's first requests: its threads open the file and take at once (a process of its own)."""
    import time

    from shipcall.adapters.shared_limits import SharedLimiter as Shared

    limiter = Shared(path, Rate(1_000_000, 1.0), "requests")
    errors: list[BaseException] = []

    def take() -> None:
        try:
            limiter.take("10.0.0.1", 1.0)
        except BaseException as e:  # noqa: BLE001 - counted, the test asserts there is none
            errors.append(e)

    time.sleep(max(0.0, start - time.time()))
    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(errors)


def test_workers_opening_the_buckets_file_at_once_fail_no_request(tmp_path: Path) -> None:
    """The supervisor makes the file (WAL, table) before the workers start, so no worker's first
    request switches its journal mode: that switch does not wait for a lock, and two workers
    making it at once failed a request with "database is locked" (a 500 under load)."""
    import time
    from concurrent.futures import ProcessPoolExecutor

    from shipcall.adapters.shared_limits import create

    for trial in range(3):
        path = tmp_path / f"buckets-{trial}.sqlite"
        create(path)
        start = time.time() + 1.0
        with ProcessPoolExecutor(4) as pool:
            failed = list(pool.map(_first_takes, [str(path)] * 4, [start] * 4))
        assert failed == [0, 0, 0, 0]


def _pids(url: str) -> set[int]:
    """The worker processes that answer, seen over fresh connections."""
    return {http.get(f"{url}/v1/health", headers={**AUTH, "Connection": "close"}).json()["process"]
            for _ in range(40)}


@pytest.mark.slow  # starts a real server with two worker processes
def test_two_workers_log_each_answer_once_and_keep_users_on_one_variant(ingested, serve_process) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root, "--workers", "2", "--candidate", "small", "--share", "0.5")
    assert srv.info["workers"] == 2 and srv.info["candidate"] == "small"
    assert len(_pids(srv.url)) == 2
    acked: list[str] = []
    seen: dict[str, set[str]] = {}
    lock = threading.Lock()

    def client(k: int) -> None:
        for j in range(10):  # a new connection each time: the two workers take turns
            r = http.post(f"{srv.url}/v1/ask", json={"question": f"{QUESTION} ({j})", "user": f"u{k}"},
                          headers={"Connection": "close"})
            assert r.status_code == 200, r.text
            with lock:
                acked.append(r.json()["request_id"])
                seen.setdefault(f"u{k}", set()).add(r.json()["variant"])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acked) == 200
    logged = http.get(f"{srv.url}/v1/logs", params={"limit": 1000}, headers=AUTH).json()["items"]
    ids = [x["request_id"] for x in logged]
    assert sorted(ids) == sorted(acked)  # each answer logged exactly once, none lost
    assert all(len(v) == 1 for v in seen.values()), seen  # sticky across workers
    assert {v for s in seen.values() for v in s} == {"baseline", "small"}
    srv.stop()
    assert srv.proc.returncode == 0


@pytest.mark.slow  # starts a real server with two worker processes
def test_two_workers_count_one_rate_limit_and_one_sign_in_throttle(ingested, serve_process) -> None:  # noqa: ANN001
    srv = serve_process(ingested.root, "--workers", "2", "--rate-limit", "5/h")
    assert len(_pids(srv.url)) == 2
    codes = [http.post(f"{srv.url}/v1/ask", json={"question": QUESTION}, headers={"Connection": "close"}).status_code
             for _ in range(16)]
    assert codes.count(200) == 5 and codes.count(429) == 11  # per-process buckets would let 10 through
    with httpx.Client(timeout=120) as c:  # the token holder is not limited, on either worker
        assert all(c.post(f"{srv.url}/v1/ask", json={"question": QUESTION}, headers={**AUTH, "Connection": "close"})
                   .status_code == 200 for _ in range(6))
    wrong = {"Authorization": "Bearer " + "x" * 40, "Connection": "close"}
    codes = [http.get(f"{srv.url}/v1/logs", headers=wrong).status_code for _ in range(14)]
    assert codes.count(401) == 10 and codes.count(429) == 4  # server.login_rate_limit 10/min, for both workers
