"""Confidence intervals for a paired mean difference that stay honest in small samples.

Why not the percentile bootstrap everywhere: for a 0/1 metric in a small cohort where no item
changed, every resample is zero and the percentile interval is [0, 0] — "a drop larger than the
tolerance is excluded" printed from no evidence at all. The intervals here never collapse:

- **0/1 metrics** (hit@k, exact_match, a false answer): Tango's score interval for the
  difference of paired proportions (Tango, 1998, "Equivalence test and confidence interval for
  the difference in proportions for the paired-sample design", Statistics in Medicine 17:891–908;
  recommended by Fagerland, Lydersen and Laake, 2014, "Recommended tests and confidence intervals
  for paired binomial proportions", Statistics in Medicine 33:2850–2875). It inverts the score
  test, whose variance is evaluated at the constrained maximum-likelihood estimate, so with no
  changed item among 30 it still reaches about ±0.11 (an exact bound reaches 0.116).
- **continuous metrics**: the studentized (bootstrap-t) interval (stats/bootstrap.py), and for a
  sample whose differences are all equal, the exact bound below.
- **all differences equal** (c on every item, including 0): nothing in the sample says how
  large a change on an unseen item could be, but a metric between 0 and 1 bounds it: the share
  π of items that could differ from c has the exact one-sided bound U = 1 − (a/2)^(1/n)
  (Clopper and Pearson, 1934, with no such item observed), and such items move the mean by at
  most π·(1 + c) down or π·(1 − c) up. Interval: [c − U·(1 + c), c + U·(1 − c)]. Its p-value
  against 0 is 2·(1 + |c|)^(−n), the largest chance that n items all show c under any
  distribution on [−1, 1] with mean 0 (the interval excludes 0 exactly when it is below a).

Pure functions of counts and values; vectorised where rows are many.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

from shipcall.core.stats.dist import norm_ppf

_EDGE = 1e-12
_XTOL = 1e-13  # bisection stops at a bracket this narrow (brentq was asked for 1e-12)


def _tango_z(delta: float, up: int, down: int, n: int) -> float:
    """Tango's score statistic for H0: p_up − p_down = delta (up: items 0 → 1, down: 1 → 0).

    The constrained MLE of q = p_down given p_up = q + delta solves
    2n·q² − B·q − down·delta·(1 − delta) = 0 with B = (up + down) − delta·(2n − up + down)
    (derived from the multinomial likelihood; Tango 1998 eq. 3)."""
    b_coef = (up + down) - delta * (2 * n - up + down)
    q = (b_coef + math.sqrt(max(b_coef * b_coef + 8.0 * n * down * delta * (1.0 - delta), 0.0))) / (4.0 * n)
    q = min(max(q, 0.0), 1.0)
    var = n * (2.0 * q + delta * (1.0 - delta))
    diff = up - down - n * delta
    if var <= 0:
        return 0.0 if diff == 0 else math.copysign(math.inf, diff)
    return diff / math.sqrt(var)


@lru_cache(maxsize=256)
def _z(confidence: float) -> float:
    return float(norm_ppf(0.5 + confidence / 2.0))


def _bisect(g: Callable[[float], float], a: float, b: float) -> float:
    """The root of `g` between a (g > 0) and b (g ≤ 0; either side of a), to within _XTOL.

    Hand-written rather than scipy.optimize.brentq: importing scipy.optimize costs a `compare`
    process about 0.15 s of CPU (a sixth of its budget) for some forty evaluations of a cheap
    function. Tango's statistic falls monotonically in the difference (a score test: its
    numerator falls, and tests/core/test_stats.py checks the bracket on a grid), so plain
    bisection finds the same root; it stops at a bracket narrower than brentq's own tolerance
    (xtol=1e-12, which it was called with), so the ends agree with brentq's to about 1e-12."""
    while abs(b - a) > _XTOL:
        m = (a + b) / 2.0
        if m in (a, b):  # the bracket is two neighbouring floats
            break
        if g(m) > 0:
            a = m
        else:
            b = m
    return (a + b) / 2.0


@lru_cache(maxsize=65_536)
def tango_interval(up: int, down: int, n: int, confidence: float) -> tuple[float, float]:
    """Tango's score interval for the paired difference (up − down) / n at `confidence`.

    n = 0 gives (−1, 1): nothing is known. The interval always contains the estimate."""
    if n <= 0:
        return -1.0, 1.0
    z = _z(confidence)
    est = (up - down) / n

    def f(d: float) -> float:
        return _tango_z(d, up, down, n)

    if est <= -1.0 + _EDGE:
        low = -1.0
    else:
        lo_edge = -1.0 + _EDGE
        low = lo_edge if f(lo_edge) <= z else _bisect(lambda d: f(d) - z, lo_edge, est)
    if est >= 1.0 - _EDGE:
        high = 1.0
    else:
        hi_edge = 1.0 - _EDGE
        high = hi_edge if f(hi_edge) >= -z else _bisect(lambda d: f(d) + z, est, hi_edge)
    low = -1.0 if low <= -1.0 + 1e-9 else low
    high = 1.0 if high >= 1.0 - 1e-9 else high
    return float(low), float(high)


def constant_interval(c: float, n: int, confidence: float) -> tuple[float, float]:
    """The exact interval when all n differences equal c on a metric between 0 and 1 (module
    docstring): [c − U·(1 + c), c + U·(1 − c)], U = 1 − ((1 − confidence)/2)^(1/n)."""
    if n <= 0:
        return -1.0, 1.0
    a = 1.0 - confidence
    u = 1.0 - (a / 2.0) ** (1.0 / n)
    return max(-1.0, c - u * (1.0 + c)), min(1.0, c + u * (1.0 - c))


def constant_p_value(c: float, n: int) -> float:
    """Two-sided p-value against a mean of 0 when all n differences equal c (module docstring)."""
    if n <= 0 or c == 0:
        return 1.0
    return float(min(1.0, 2.0 * (1.0 + abs(c)) ** (-n)))
