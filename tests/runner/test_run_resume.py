"""Runs: stored identity and results, per-item errors, and resume after a real kill -9."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import Shipcall


def _count(db: Path, run_id: str | None = None) -> int:
    con = sqlite3.connect(db, timeout=10)
    try:
        q = "select count(*) from item_results" + (" where run_id = ?" if run_id else "")
        return con.execute(q, (run_id,) if run_id else ()).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


def test_killed_run_resumes_and_equals_an_uninterrupted_run(squad_ws: Path, sc: Shipcall) -> None:
    db = squad_ws / ".shipcall" / "shipcall.db"
    proc = subprocess.Popen([sys.executable, "-m", "shipcall", "run", "--dataset", "squad", "--json"],
                            cwd=squad_ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count(db) < 200 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = _count(db)
    assert 0 < done_at_kill < 2442

    resumed = json.loads(sc("run", "--dataset", "squad", "--json", cwd=squad_ws).stdout)
    assert resumed["resumed"] is True
    assert resumed["items_done_before"] >= done_at_kill
    assert resumed["n_items"] == 2442 and resumed["errors"] == 0
    assert _count(db, resumed["run_id"]) == 2442

    fresh = json.loads(sc("run", "--dataset", "squad", "--json", cwd=squad_ws).stdout)
    assert fresh["run_id"] != resumed["run_id"] and fresh["resumed"] is False
    a = squad_ws / "a.jsonl"
    b = squad_ws / "b.jsonl"
    sc("export", resumed["run_id"], "--out", str(a), cwd=squad_ws)
    sc("export", fresh["run_id"], "--out", str(b), cwd=squad_ws)

    def rows(p: Path) -> list[dict[str, object]]:
        out = []
        for line in p.read_text().splitlines():
            r = json.loads(line)
            r.pop("latency_ms")
            out.append(r)
        return out

    assert rows(a) == rows(b)
    timing = {"latency_ms_p50", "latency_ms_p95"}
    assert {k: v for k, v in resumed["metrics"].items() if k not in timing} == {
        k: v for k, v in fresh["metrics"].items() if k not in timing}


def test_run_identity_and_show(squad_ws: Path, sc: Shipcall) -> None:
    out = json.loads(sc("run", "--dataset", "squad@1", "--limit", "50", "--json", cwd=squad_ws).stdout)
    for key in ("run_id", "variant", "dataset", "n_items", "metrics", "cohorts", "errors"):
        assert key in out
    assert out["n_items"] == 50 and out["variant"] == "baseline" and out["dataset"] == "squad"
    assert out["config"]["variant"]["retriever"]["k"] == 5
    assert len(out["variant_hash"]) == 12 and out["corpus_version"] and out["code_version"]
    assert out["finished_at"] >= out["started_at"]
    assert 0 <= out["metrics"]["recall@5"] <= 1 and "ndcg@10" in out["metrics"]
    assert any(c.startswith("article=") for c in out["cohorts"])
    shown = json.loads(sc("show", out["run_id"], "--by", "kind", "--json", cwd=squad_ws).stdout)
    assert set(shown["cohorts"]) <= {"kind=answerable", "kind=unanswerable"} and shown["cohorts"]
    assert sum(c["n"] for c in shown["cohorts"].values()) == 50
    listed = json.loads(sc("runs", "--json", cwd=squad_ws).stdout)
    assert listed[0]["run_id"] == out["run_id"]
