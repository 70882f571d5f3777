"""Objects that live long, kept out of the garbage collector's sight (`gc.freeze`).

Why: a full collection walks every tracked object. A run (the opened index, its chunks, the
results, the decoded sentence analysis) and a `compare` (the imported modules and pydantic's
validators) hold large heaps that live as long as the work, and the work's own allocations set off
collections that walked them all: 12% of a SciFact run, 23% of a 10,000-item one, about 0.1 s of
a `compare` process (BENCHMARKS.md). One place for it, used by app/run.py and the `compare` and
`gate` commands.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_ONE_SHOT = False  # this process is the `shipcall` command itself (cli/main.py says so)


def one_shot_process() -> None:
    """Say that this process is the `shipcall` command itself: what it freezes lives until the
    process ends anyway, so it stays frozen (the collection at exit need not walk it either)."""
    global _ONE_SHOT
    _ONE_SHOT = True


@contextmanager
def long_lived_frozen() -> Iterator[Callable[[], None]]:
    """Freeze what is alive now; the function yielded freezes what is alive then too (a run calls
    it at each stored batch). Afterwards everything is collectable again, unless this is the
    shipcall process itself or something had frozen objects before (then they live until the
    process ends): a command run inside another program's process (the tests) leaves nothing
    frozen."""
    already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield gc.freeze
    finally:
        if not (already or _ONE_SHOT):
            gc.unfreeze()
