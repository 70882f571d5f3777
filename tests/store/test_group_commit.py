"""The log's group commit (used where the store is a database server): every submitted row is
committed exactly once, concurrent submitters share transactions, and a row that cannot be
written fails alone."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from shipcall.adapters.store.group_commit import GroupCommit
from shipcall.adapters.store.production_log import ProductionLog
from shipcall.adapters.store.store import Store
from shipcall.core.production import ProductionLogEntry

ENTRY = ProductionLogEntry(request_id="r", created_at="2026-01-01T00:00:00.000+00:00", variant="baseline",
                           question="q", answer="a", abstained=False, support=1.0, arm="baseline",
                           variant_hash="h", user_hash="u", retrieved=[], citations=[], latency_ms={},
                           redactions={}, corpus_version="c")


def test_rows_from_many_threads_are_committed_once_each_in_shared_transactions(tmp_path) -> None:  # noqa: ANN001
    log = ProductionLog(Store.open(f"sqlite:///{tmp_path / 'store.db'}"))
    batches: list[int] = []

    def commit(entries: list[ProductionLogEntry]) -> None:
        batches.append(len(entries))
        log.add_many(entries)

    writer = GroupCommit(commit)
    futures, lock = [], threading.Lock()

    def submit(k: int) -> None:
        for j in range(25):
            f = writer.submit(dataclasses.replace(ENTRY, request_id=f"r{k}-{j}"))
            with lock:
                futures.append(f)

    threads = [threading.Thread(target=submit, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futures:
        f.result(timeout=60)
    writer.close()
    assert log.request_ids() == {f"r{k}-{j}" for k in range(8) for j in range(25)}
    assert sum(batches) == 200


def test_a_row_that_cannot_be_written_fails_alone(tmp_path) -> None:  # noqa: ANN001
    log = ProductionLog(Store.open(f"sqlite:///{tmp_path / 'store.db'}"))
    log.add(dataclasses.replace(ENTRY, request_id="taken"))
    gate = threading.Event()

    def commit(entries: list[ProductionLogEntry]) -> None:
        gate.wait(10)  # hold the first batch so that the next rows queue up together
        log.add_many(entries)

    writer = GroupCommit(commit)
    first = writer.submit(dataclasses.replace(ENTRY, request_id="first"))
    rest = [writer.submit(dataclasses.replace(ENTRY, request_id=rid)) for rid in ("a", "taken", "b")]
    gate.set()
    first.result(timeout=60)
    rest[0].result(timeout=60)
    rest[2].result(timeout=60)
    with pytest.raises(Exception, match="(?i)unique|integrity"):
        rest[1].result(timeout=60)
    writer.close()
    assert log.request_ids() == {"taken", "first", "a", "b"}
