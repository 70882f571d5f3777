"""The Pareto frontier of variants over quality, latency and cost.

A variant is Pareto-optimal when no other variant is at least as good on every objective and
strictly better on one. For each variant that is not, `pareto` names one that dominates it:
among its dominators, one that is itself optimal, the best on the first objective (quality).

Hand-written on purpose: an O(n²) comparison of a few dozen points is ten lines, and the
libraries that compute fronts (paretoset, pymoo) do not say which point dominates which.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def _worst(x: float | None) -> float:
    return math.inf if x is None or not math.isfinite(x) else float(x)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """`a` dominates `b` when it is no worse on every objective and better on one (lower is better)."""
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(x < y for x, y in zip(a, b, strict=True))


def pareto(points: Sequence[Sequence[float | None]]) -> list[int | None]:
    """For each point (objectives to minimise; None or NaN counts as the worst value), None if
    it is Pareto-optimal, else the index of a point that dominates it (an optimal one, best on
    the first objective; ties to the earlier index)."""
    clean = [[_worst(x) for x in p] for p in points]
    by: list[list[int]] = [[j for j, q in enumerate(clean) if j != i and dominates(q, p)] for i, p in enumerate(clean)]
    optimal = {i for i, d in enumerate(by) if not d}
    out: list[int | None] = []
    for doms in by:
        if not doms:
            out.append(None)
            continue
        pool = [j for j in doms if j in optimal] or doms  # a dominator of a dominator is optimal or dominated
        out.append(min(pool, key=lambda j: (clean[j][0], j)))
    return out
