"""Answering a run's items: in order on this thread, or up to `concurrency` at once on a thread
pool (generators that wait on a provider); and the per-run budget that stops a run cleanly.

Results come back as they finish, each with its position, so the runner stores them in batches
exactly as before (resume skips the stored item ids, whatever order they finished in). While
items are in flight the iterator also yields `None` at least every `heartbeat` seconds, so the
runner commits finished results on time even when every call is slow.

Budget: what the run paid (tokens and US dollars of replies not served from the response cache,
counted from the stored results of earlier sessions of the same run plus this one). Once it
reaches `max_tokens` or `max_cost` no new item starts; the items in flight finish and are
stored, so the spend can pass the limit by at most `concurrency` items. The run stays
unfinished: raise the budget and run the same command again to resume it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from shipcall.core.runs import ItemResult

T = TypeVar("T")
R = TypeVar("R")


class Budget:
    def __init__(self, max_tokens: int | None, max_cost: float | None) -> None:
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.tokens = 0
        self.cost = 0.0

    @classmethod
    def of(cls, config: Any, stored: Iterable[ItemResult]) -> Budget | None:
        """The budget of a generator config (None when it sets none), with what `stored` paid."""
        if config is None:
            return None
        budget = cls(config.max_tokens, config.max_cost)
        for r in stored:
            budget.add(r)
        return budget

    def add(self, result: Any) -> None:
        """Count what an item paid (`result`: an ItemResult; typed loosely as the pool is generic)."""
        usage = result.extra.get("usage") if result.extra else None
        if not usage or usage.get("cached"):
            return
        self.tokens += int(usage.get("tokens_in", 0)) + int(usage.get("tokens_out", 0))
        self.cost += float(usage.get("cost_paid", usage.get("cost", 0.0)) or 0.0)

    @property
    def exhausted(self) -> bool:
        return ((self.max_tokens is not None and self.tokens >= self.max_tokens)
                or (self.max_cost is not None and self.cost >= self.max_cost))

    def describe(self) -> str:
        parts = []
        if self.max_tokens is not None:
            parts.append(f"{self.tokens:,} of {self.max_tokens:,} tokens")
        if self.max_cost is not None:
            parts.append(f"${self.cost:.4f} of ${self.max_cost:.4f}")
        return " and ".join(parts)


def answer_items(todo: list[tuple[int, T]], answer: Callable[[T], R], *, workers: int = 1,
                 budget: Budget | None = None, heartbeat: float = 0.1) -> Iterator[tuple[int, R] | None]:
    """Yield (position, result) for each item of `todo` as it finishes (None: a heartbeat).
    `answer` should not raise (the runner records an item's error in its result); if it does,
    the exception is raised here."""
    if workers <= 1:
        for pos, item in todo:
            if budget is not None and budget.exhausted:
                return
            res = answer(item)
            if budget is not None:
                budget.add(res)
            yield pos, res
        return
    # Daemon threads, not a ThreadPoolExecutor: after Ctrl-C the process exits at once instead of
    # waiting for calls in flight (their results are lost, as with kill -9; the cache keeps paid ones).
    tasks: queue.Queue[tuple[int, T] | None] = queue.Queue()
    results: queue.Queue[tuple[int, R | None, BaseException | None]] = queue.Queue()

    def work() -> None:
        while (task := tasks.get()) is not None:
            pos, item = task
            try:
                results.put((pos, answer(item), None))
            except BaseException as e:  # noqa: BLE001 - handed to the consumer, never lost
                results.put((pos, None, e))

    threads = [threading.Thread(target=work, name=f"shipcall-item-{i}", daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    queue_in = iter(todo)
    in_flight = 0
    try:
        while True:
            while in_flight < workers and not (budget is not None and budget.exhausted):
                nxt = next(queue_in, None)
                if nxt is None:
                    break
                tasks.put(nxt)
                in_flight += 1
            if not in_flight:
                return
            try:
                pos, got, err = results.get(timeout=heartbeat)
            except queue.Empty:
                yield None
                continue
            in_flight -= 1
            if err is not None:
                raise err
            if budget is not None:
                budget.add(got)
            yield pos, got  # type: ignore[misc]  # an item without an error has its result
    finally:
        for _ in threads:  # each worker stops after its current item
            tasks.put(None)
