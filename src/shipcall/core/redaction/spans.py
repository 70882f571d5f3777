"""Overlap questions about many spans in logarithmic time (a hostile text yields hundreds of
candidates; comparing each with each made redaction quadratic)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable


class SpanIndex:
    """A fixed set of [start, end) spans: does a span overlap any of them?"""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end: list[int] = []
        best = -1
        for _, e in ordered:
            best = max(best, e)
            self._max_end.append(best)

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self._starts, end)  # spans starting before `end`
        return i > 0 and self._max_end[i - 1] > start


def choose(spans: list[tuple[int, int, int, int]]) -> list[int]:
    """Indexes of a non-overlapping choice among (start, end, rank, index) spans: the longest first,
    on a tie the lower rank, then the earlier start; the chosen are returned left to right."""
    order = sorted(spans, key=lambda x: (-(x[1] - x[0]), x[2], x[0]))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[tuple[int, int]] = []
    for s, e, _, idx in order:
        i = bisect.bisect_left(starts, s)
        if (i > 0 and ends[i - 1] > s) or (i < len(starts) and starts[i] < e):
            continue
        starts.insert(i, s)
        ends.insert(i, e)
        chosen.insert(i, (s, idx))
    return [idx for _, idx in chosen]
