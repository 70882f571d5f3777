"""Group commit: one thread writes what many requests submit, several rows per transaction.

Why: a server answering on its event loop must not wait there for the store (a SQLite write
lock held by another worker process, a Postgres round trip), and under load one transaction per
request costs more CPU than the answer. Each caller gets a future that completes when its row is
committed, so an answer is still acknowledged only after its row is in the store; callers that
arrive while a transaction is being written go together into the next one. When a batch fails,
its rows are written one by one, so that only a row that cannot be written fails.
Hand-written (a queue and a thread): the standard library has no group-commit helper and the
database drivers have none for this.
"""

from __future__ import annotations

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
        try:
            self._commit([item for item, _ in batch])
        except Exception as e:
            if len(batch) == 1:
                batch[0][1].set_exception(e)
                return
            for item, fut in batch:  # one by one: only a row that cannot be written fails
                try:
                    self._commit([item])
                except Exception as e:
                    fut.set_exception(e)
                else:
                    fut.set_result(None)
            return
        for _, fut in batch:
            fut.set_result(None)

