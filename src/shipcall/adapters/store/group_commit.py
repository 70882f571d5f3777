"""Group commit: what many requests submit is written several rows per transaction.

Why: under load one transaction per request costs more CPU than the answer (SQLAlchemy's
per-transaction work, the commit itself), and a server answering on its event loop must not wait
there on a database server's round trip. Each caller waits for its row's commit, so an answer is
still acknowledged only after its row is in the store; callers that arrive while rows are being
written go together into the next transaction. When a batch fails, its rows are written one by
one, so that only a row that cannot be written fails.

Two writers, one rule:
- `GroupCommit`, a thread of its own, for a database server (the loop never waits on the network);
- `LoopGroupCommit`, on the event loop itself, for a local SQLite file (there a commit is CPU
  work, and handing it to a thread and back costs more CPU than it saves, as measured).
Hand-written (a queue and a thread; a list and one `call_soon`): the standard library has no
group-commit helper and the database drivers have none for this.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

MAX_BATCH = 256
_STOP = object()


class GroupCommit:
    def __init__(self, commit: Callable[[list[Any]], None], *, name: str = "shipcall-log-writer",
                 max_batch: int = MAX_BATCH) -> None:
        self._commit, self._name, self._max = commit, name, max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, item: Any) -> Future[None]:
        """Queue `item`; the future completes once it is committed (or fails with the error)."""
        fut: Future[None] = Future()
        self._queue.put((item, fut))
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                    self._thread.start()
        return fut

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join(timeout=60)

    def _run(self) -> None:
        stop = False
        while not stop:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < self._max:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)

    def _write(self, batch: list[tuple[Any, Future[None]]]) -> None:
        _commit_batch(self._commit, batch)


class LoopGroupCommit:
    """Group commit on the event loop that answers the requests (a local SQLite store).

    The first row submitted schedules one flush with `call_soon`; the loop runs it once the
    callbacks already waiting have run, i.e. after every request that was ready to be answered
    in this turn of the loop has queued its row. So one transaction carries the rows of all the
    requests answered together (one under light load, several under heavy load), with no timer
    and no wait beyond the loop's next turn. Each submitter awaits its row's commit. `flush`
    writes what is pending at once (at shutdown). Single-threaded: only the loop's thread calls
    `submit` and `flush`."""

    def __init__(self, commit: Callable[[list[Any]], None], *, max_batch: int = MAX_BATCH) -> None:
        self._commit, self._max = commit, max_batch
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._scheduled = False

    async def submit(self, item: Any) -> None:
        """Queue `item` and return once it is committed (raise the error if it cannot be)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append((item, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self.flush)
        await fut

    def flush(self) -> None:
        """Commit every pending row now, `max_batch` rows per transaction."""
        self._scheduled = False
        while self._pending:
            batch, self._pending = self._pending[:self._max], self._pending[self._max:]
            _commit_batch(self._commit, batch)


def _commit_batch(commit: Callable[[list[Any]], None], batch: list[tuple[Any, Any]]) -> None:
    """Commit a batch, settling each row's future (a `concurrent.futures` or an asyncio one); when
    the batch fails, its rows are written one by one, so that only a row that cannot be written fails."""
    try:
        commit([item for item, _ in batch])
    except Exception as e:
        if len(batch) == 1:
            _settle(batch[0][1], e)
            return
        for item, fut in batch:
            try:
                commit([item])
            except Exception as e:
                _settle(fut, e)
            else:
                _settle(fut, None)
        return
    for _, fut in batch:
        _settle(fut, None)


def _settle(fut: Any, error: BaseException | None) -> None:
    if fut.done():  # an asyncio future whose waiter was cancelled: the row is written all the same
        return
    if error is None:
        fut.set_result(None)
    else:
        fut.set_exception(error)
