"""Two identical `shipcall run` at once: one runs, the other says which run is in progress and
exits 2, or waits with --wait; a duplicate item from a racing resume is no error (security
review D11)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from shipcall.core.runs import ItemResult
from tests.conftest import FIXTURES, Shipcall


def _big_dataset(path: Path, n: int) -> None:
    rows = [json.loads(line) for line in (FIXTURES / "dataset.jsonl").read_text().splitlines() if line.strip()]
    with path.open("w") as f:
        for i in range(n):
            row = dict(rows[i % len(rows)], id=f"q{i}")
            f.write(json.dumps(row) + "\n")


def _lock_line(ws: Path) -> str:
    for p in (ws / ".shipcall" / "locks").glob("run-*.lock"):
        text = p.read_text().strip()
        if len(text.split()) == 2:
            return text
    return ""


def test_an_identical_run_in_progress_stops_the_second_or_makes_it_wait(tmp_path: Path, sc: Shipcall) -> None:
    ws = tmp_path / "ws"
    sc("init", str(ws), cwd=tmp_path)
    sc("ingest", str(FIXTURES / "corpus"), cwd=ws)
    _big_dataset(tmp_path / "big.jsonl", 3000)
    sc("dataset", "import", str(tmp_path / "big.jsonl"), "--name", "big", cwd=ws)
    first = subprocess.Popen([sys.executable, "-m", "shipcall", "run", "--dataset", "big", "--json"], cwd=ws,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    waiter = None
    try:
        deadline = time.monotonic() + 120
        while not _lock_line(ws) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.005)
        os.kill(first.pid, signal.SIGSTOP)  # hold the first run mid-way, whatever the machine's speed
        assert first.poll() is None, "the first run finished before the second started"
        run_id, pid = _lock_line(ws).split()
        assert pid == str(first.pid)
        second = sc("run", "--dataset", "big", cwd=ws, check=2)
        assert f"run {run_id} is already in progress (pid {first.pid})" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
        waiter = subprocess.Popen([sys.executable, "-m", "shipcall", "run", "--dataset", "big", "--wait", "--json"],
                                  cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        said = waiter.stderr.readline()  # blocks until the waiter reports that it waits (first line)
        assert f"waiting: run {run_id} is already in progress (pid {first.pid})" in said, said
        assert waiter.poll() is None
    finally:
        os.kill(first.pid, signal.SIGCONT)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert json.loads(out)["n_items"] == 3000
    w_out, w_err = waiter.communicate(timeout=300)
    assert waiter.returncode == 0, w_err
    assert json.loads(w_out)["n_items"] == 3000  # and it ran once the first had finished


def test_a_racing_resume_that_inserts_the_same_items_is_no_error(ingested) -> None:  # noqa: ANN001
    """Across machines (a shared store) no file lock helps: two resumes can both find an item
    missing and both insert it. The insert keeps one row and raises nothing."""
    from shipcall.adapters.store import schema
    from shipcall.adapters.store.store import _insert_ignoring_duplicates
    from shipcall.core.runs import Run

    store = ingested.store
    run = store.create_run(Run(id="", variant="baseline", variant_hash="h", dataset="d", dataset_version=1,
                               corpus_version="c", code_version="0", started_at="2026-12-01T00:00:00+00:00",
                               config={}, n_items=2))
    store.save_item_results(run.id, [(0, ItemResult(item_id="a", answer="x"))])
    row = {"run_id": run.id, "item_id": "a", "position": 0, "data": "{}", "metrics": "{}", "error": None}
    with store.engine.begin() as c:  # what the slower process does after its check found nothing
        c.execute(_insert_ignoring_duplicates(schema.item_results, c.dialect.name, ["run_id", "item_id"]), [row])
    assert [r.item_id for r in store.item_results(run.id)] == ["a"]
