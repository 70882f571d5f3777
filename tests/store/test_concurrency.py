"""Several processes on one store at once (two runs resuming, imports, decisions): nothing lost,
nothing twice, numbers without gaps or clashes. Real processes (spawned, each with its own
engine and connections), on SQLite and on Postgres."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from shipcall.adapters.store.store import Store
from shipcall.core.datasets import Item
from shipcall.core.runs import ItemResult, Run

PROCS = 4
pytestmark = pytest.mark.slow  # spawns processes that import shipcall: seconds each


def _open(url: str) -> Store:
    return Store.open(url)


def _import(url: str, who: int, n: int) -> list[int]:
    s = _open(url)
    got = [s.save_dataset("shared", [Item(id=f"q{who}-{i}", question="?", answers=("a",))], f"h{who}-{i}",
                          source="test", warnings=[])[0] for i in range(n)]
    s.close()
    return got


def _decide(url: str, who: int, n: int) -> list[int]:
    s = _open(url)
    got = [s.add_decision({"verdict": "ship", "author": f"p{who}", "created_at": "2026-12-01T00:00:00"})
           for _ in range(n)]
    s.close()
    return got


def _runs(url: str, who: int, n: int) -> list[str]:
    s = _open(url)
    got = [s.create_run(Run(id="", variant=f"v{who}", variant_hash="vh", dataset="d", dataset_version=1,
                            corpus_version="c", code_version="t", started_at="2026-12-01T00:00:00",
                            config={}, n_items=1)).id for _ in range(n)]
    s.close()
    return got


def _resume(url: str, run_id: str, who: int, n: int) -> int:
    """A process resuming `run_id`: stores every item (in batches of 7, in its own order)."""
    s = _open(url)
    order = list(range(n)) if who % 2 == 0 else list(reversed(range(n)))
    new = 0
    for i in range(0, n, 7):
        new += s.save_item_results(run_id, [(j, ItemResult(item_id=f"q{j:04d}", answer=f"by {who}"))
                                            for j in order[i:i + 7]])
    s.close()
    return new


def _all(fn, url: str, n: int, *extra: object) -> list:  # noqa: ANN001
    ctx = mp.get_context("spawn")
    with ctx.Pool(PROCS) as pool:
        return pool.starmap(fn, [(url, *extra, who, n) for who in range(PROCS)])


def test_dataset_versions_are_numbered_without_races(store_url: str) -> None:
    Store.open(store_url).close()  # migrated once, before the processes start
    got = _all(_import, store_url, 5)
    versions = sorted(v for vs in got for v in vs)
    assert versions == list(range(1, PROCS * 5 + 1))
    s = _open(store_url)
    assert [d["version"] for d in s.dataset_versions("shared")] == versions
    s.close()


def test_decisions_and_run_ids_are_unique_across_processes(store_url: str) -> None:
    Store.open(store_url).close()
    ids = [i for got in _all(_decide, store_url, 10) for i in got]
    assert len(set(ids)) == PROCS * 10
    runs = [r for got in _all(_runs, store_url, 5) for r in got]
    assert sorted(runs, key=lambda r: int(r[1:])) == [f"r{i}" for i in range(1, PROCS * 5 + 1)]


def test_two_processes_resuming_one_run_store_each_item_once(store_url: str) -> None:
    s = _open(store_url)
    run = s.create_run(Run(id="", variant="v", variant_hash="vh", dataset="d", dataset_version=1,
                           corpus_version="c", code_version="t", started_at="2026-12-01T00:00:00",
                           config={}, n_items=200))
    s.close()
    new = _all(_resume, store_url, 200, run.id)
    assert sum(new) == 200  # each item inserted by exactly one process; the others skipped it
    s = _open(store_url)
    got = s.item_results(run.id)
    s.close()
    assert [r.item_id for r in got] == [f"q{j:04d}" for j in range(200)]
