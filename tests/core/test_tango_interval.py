"""Tango's score interval (core/stats/intervals.py) finds its ends by bisection instead of
scipy.optimize.brentq (whose import cost a `compare` process 0.15 s): the ends agree with
brentq's to its own tolerance, and the bisection's premise holds: the statistic falls
monotonically in the difference, so a bracket holds one root."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

from shipcall.core.stats.intervals import _EDGE, _tango_z, _z, tango_interval

CASES = [(up, down, n) for n in (1, 2, 5, 30, 214, 2000) for up in sorted({0, 1, n // 7, n // 3, n})
         for down in sorted({0, 1, n // 5, n // 2}) if up + down <= n]


def _brentq_interval(up: int, down: int, n: int, confidence: float) -> tuple[float, float]:
    """The interval as it was computed before (brentq, xtol=1e-12)."""
    z, est = _z(confidence), (up - down) / n

    def f(d: float) -> float:
        return _tango_z(d, up, down, n)

    low, high = -1.0, 1.0
    if est > -1.0 + _EDGE:
        lo_edge = -1.0 + _EDGE
        low = lo_edge if f(lo_edge) <= z else brentq(lambda d: f(d) - z, lo_edge, est, xtol=1e-12)
    if est < 1.0 - _EDGE:
        hi_edge = 1.0 - _EDGE
        high = hi_edge if f(hi_edge) >= -z else brentq(lambda d: f(d) + z, est, hi_edge, xtol=1e-12)
    return (-1.0 if low <= -1.0 + 1e-9 else low), (1.0 if high >= 1.0 - 1e-9 else high)


@pytest.mark.parametrize("confidence", [0.95, 0.99, 1 - 0.05 / 30])
def test_tango_ends_agree_with_brentq(confidence: float) -> None:
    for up, down, n in CASES:
        got = tango_interval(up, down, n, confidence)
        want = _brentq_interval(up, down, n, confidence)
        assert got == pytest.approx(want, abs=2e-12), (up, down, n)
        assert got[0] <= (up - down) / n <= got[1]


def test_tango_statistic_falls_monotonically() -> None:
    grid = np.linspace(-1 + _EDGE, 1 - _EDGE, 4001)
    for up, down, n in CASES:
        z = np.array([_tango_z(float(d), up, down, n) for d in grid])
        assert np.all(np.diff(z) <= 1e-9), (up, down, n)
