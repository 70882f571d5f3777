"""The log's group commits (on its own thread for a database server, on the event loop for a local
SQLite file): every submitted row is committed exactly once, before its submitter goes on,
concurrent submitters share transactions, and a row that cannot be written fails alone."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading

import pytest

from shipcall.adapters.store.group_commit import GroupCommit, LoopGroupCommit
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


# -- the group commit on the event loop (a local SQLite store) ----------------------------------------
def test_rows_from_many_tasks_on_one_loop_are_committed_once_each_before_their_submit_returns(tmp_path) -> None:  # noqa: ANN001
    log = ProductionLog(Store.open(f"sqlite:///{tmp_path / 'store.db'}"))
    batches: list[int] = []

    def commit(entries: list[ProductionLogEntry]) -> None:
        batches.append(len(entries))
        log.add_many(entries)

    writer = LoopGroupCommit(commit)
    seen_committed: list[bool] = []

    async def request(k: int, j: int) -> None:
        rid = f"r{k}-{j}"
        await writer.submit(dataclasses.replace(ENTRY, request_id=rid))
        seen_committed.append(rid in log.request_ids())  # committed (read back) before submit returned

    async def client(k: int) -> None:
        for j in range(10):
            await request(k, j)

    async def main() -> None:
        await asyncio.gather(*(client(k) for k in range(12)))

    asyncio.run(main())
    assert log.request_ids() == {f"r{k}-{j}" for k in range(12) for j in range(10)}
    assert log.count() == 120  # each once
    assert sum(batches) == 120 and max(batches) > 1  # the requests of one turn of the loop share a transaction
    assert seen_committed == [True] * 120


def test_on_the_loop_a_row_that_cannot_be_written_fails_alone(tmp_path) -> None:  # noqa: ANN001
    log = ProductionLog(Store.open(f"sqlite:///{tmp_path / 'store.db'}"))
    log.add(dataclasses.replace(ENTRY, request_id="taken"))
    writer = LoopGroupCommit(log.add_many)

    async def main() -> list[BaseException | None]:
        return await asyncio.gather(*(writer.submit(dataclasses.replace(ENTRY, request_id=rid))
                                      for rid in ("a", "taken", "b")), return_exceptions=True)

    results = asyncio.run(main())
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], Exception) and re.search("(?i)unique|integrity", str(results[1]))
    assert log.request_ids() == {"taken", "a", "b"}


def test_flush_writes_what_is_pending_at_once(tmp_path) -> None:  # noqa: ANN001
    """Shutdown: a row queued but not yet flushed by the loop is written by `flush` (Server.close)."""
    log = ProductionLog(Store.open(f"sqlite:///{tmp_path / 'store.db'}"))
    writer = LoopGroupCommit(log.add_many)

    async def main() -> None:
        task = asyncio.ensure_future(writer.submit(dataclasses.replace(ENTRY, request_id="pending")))
        await asyncio.sleep(0)  # the task queues its row and waits; the loop's flush has not run yet
        assert log.request_ids() == set()
        writer.flush()
        assert log.request_ids() == {"pending"}
        await task  # and its submitter learns that it is committed

    asyncio.run(main())
    assert log.count() == 1
