"""A run keeps long-lived objects out of the garbage collector's sight while it answers
(adapters/heap.py, used by app/run.py) and gives them back afterwards: a run inside another program's
process leaves nothing frozen, and the garbage it made is still collected."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from shipcall.app.datasets import import_dataset
from shipcall.app.demo import build_workspace
from shipcall.app.ingest import ingest
from shipcall.app.init import init_workspace
from shipcall.app.run import run
from shipcall.app.workspace import Workspace


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_run_leaves_nothing_frozen_and_its_cycles_collectable(tmp_path: Path) -> None:
    build_workspace(tmp_path)
    init_workspace(tmp_path, force=True, corpus_path="docs")
    ws = Workspace(tmp_path)
    ingest(ws, str(tmp_path / "docs"), show_progress=False)
    imported = import_dataset(ws, str(tmp_path / "dataset.jsonl"), "sample")
    dataset = ws.store.load_dataset("sample", imported.version)
    assert gc.get_freeze_count() == 0
    cycle = _Cycle()  # alive when the run starts, garbage once the run is over
    gone = weakref.ref(cycle)
    seen: list[int] = []
    outcome = run(ws, dataset, None, progress=lambda done, total: seen.append(gc.get_freeze_count()))
    assert outcome.run.status == "finished" and outcome.run.n_items == len(dataset.items) > 100
    assert seen and min(seen) > 0  # frozen while the items were answered
    assert gc.get_freeze_count() == 0
    del cycle
    gc.collect()
    assert gone() is None
