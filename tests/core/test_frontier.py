"""The Pareto frontier: optimal points, and for the others a dominating point that is optimal."""

from __future__ import annotations

import math

import numpy as np

from shipcall.core.frontier import dominates, pareto


def test_optimal_points_and_who_dominates() -> None:
    # (−quality, latency, cost): lower is better on every objective
    pts = [(-0.70, 10.0, 0.0),   # 0: best quality, slow-ish, free
           (-0.60, 5.0, 0.0),    # 1: faster, worse quality: a trade-off, optimal
           (-0.60, 12.0, 0.0),   # 2: dominated by 0 (worse quality, slower) and by 1
           (-0.70, 10.0, 0.0),   # 3: equal to 0: neither dominates the other
           (-0.80, 50.0, 2.0),   # 4: best quality, slow and paid: optimal
           (-0.50, 60.0, 3.0)]   # 5: dominated by everything
    out = pareto(pts)
    assert [d is None for d in out] == [True, True, False, True, True, False]
    assert out[2] == 0  # among its optimal dominators (0, 1, 3), the best on quality, earliest on ties
    assert out[5] == 4
    for i, d in enumerate(out):
        if d is not None:
            assert dominates(pts[d], pts[i]) and out[d] is None


def test_missing_values_count_as_worst() -> None:
    out = pareto([(-0.5, None, 0.0), (-0.5, 3.0, 0.0), (math.nan, 1.0, 0.0)])
    assert out == [1, None, None]


def test_random_sets_agree_with_the_definition() -> None:
    rng = np.random.default_rng(7)
    for _ in range(50):
        pts = [tuple(float(x) for x in rng.integers(0, 4, size=3)) for _ in range(12)]
        out = pareto(pts)
        for i, p in enumerate(pts):
            dominated = any(dominates(q, p) for j, q in enumerate(pts) if j != i)
            assert (out[i] is not None) == dominated
            if out[i] is not None:
                assert dominates(pts[out[i]], p) and out[out[i]] is None
