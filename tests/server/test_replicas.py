"""Two `shipcall serve` processes on one Postgres store under load from 50 clients: one is
killed with SIGKILL mid-load; every acknowledged request is in the shared log exactly once, and
every user got one variant from both replicas."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

TOKEN = "replica-test-token-0123456789abcdef"
Q = "How many days of paid time off do full-time employees get?"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow  # a Postgres cluster, two servers, 500 requests
def test_two_replicas_one_killed_lose_no_acknowledged_request(ws, corpus_dir: Path, pg_cluster) -> None:  # noqa: ANN001
    env = {**os.environ, "SHIPCALL_STORE_URL": pg_cluster.new_database("replicas"), "SHIPCALL_TOKEN": TOKEN}
    run = [sys.executable, "-m", "shipcall"]
    subprocess.run([*run, "ingest", str(corpus_dir), "-q"], cwd=ws.root, env=env, check=True, timeout=300)
    ports = [_port(), _port()]
    procs = [subprocess.Popen([*run, "serve", "--port", str(p), "--candidate", "small", "--share", "0.5"],
                              cwd=ws.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for p in ports]
    try:
        for p in ports:
            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{p}/v1/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
        health = httpx.get(f"http://127.0.0.1:{ports[1]}/v1/health",
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert health["store"]["kind"] == "postgresql"
        acked: list[str] = []
        seen: dict[str, set[str]] = {}
        lock = threading.Lock()

        def client(k: int) -> None:
            with httpx.Client(timeout=60) as c:
                for j in range(10):
                    port = ports[(k + j) % 2]
                    try:
                        r = c.post(f"http://127.0.0.1:{port}/v1/ask", json={"question": Q, "user": f"u{k}"})
                    except httpx.HTTPError:
                        continue  # the killed replica: not acknowledged
                    if r.status_code == 200:
                        with lock:
                            acked.append(r.json()["request_id"])
                            seen.setdefault(f"u{k}", set()).add(r.json()["variant"])

        threads = [threading.Thread(target=client, args=(k,)) for k in range(50)]
        for t in threads:
            t.start()
        while len(acked) < 100:
            time.sleep(0.01)
        procs[0].send_signal(signal.SIGKILL)
        for t in threads:
            t.join()
        logged = httpx.get(f"http://127.0.0.1:{ports[1]}/v1/logs", params={"limit": 10_000},
                           headers={"Authorization": f"Bearer {TOKEN}"}).json()["items"]
        ids = [x["request_id"] for x in logged]
        assert len(ids) == len(set(ids))
        assert set(acked) <= set(ids), f"{len(set(acked) - set(ids))} acknowledged requests lost"
        assert len(acked) >= 250  # the surviving replica answered its half
        assert all(len(v) == 1 for v in seen.values())  # one variant per user across replicas
        assert {v for vs in seen.values() for v in vs} == {"baseline", "small"}
        json.dumps(health)
    finally:
        for p in procs:
            p.kill()
            p.wait()
