"""A confidence interval for one run's mean of a per-item metric (the variants table shows the
primary metric with it): Wilson's score interval for 0/1 values (Wilson 1927; it stays inside
[0, 1] and does not collapse at 0 or 1 successes), Student's t interval otherwise."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_interval(values: Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) over the finite values; NaNs when there are none, (mean, mean, mean)
    for a single continuous value."""
    x = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    if x.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(x.mean())
    from scipy import stats  # here, not at import: scipy.stats costs 0.5 s to import (stats/dist.py)

    if np.isin(x, (0.0, 1.0)).all():
        ci = stats.binomtest(int(x.sum()), int(x.size)).proportion_ci(confidence_level=confidence, method="wilson")
        return mean, float(ci.low), float(ci.high)
    if x.size < 2 or float(x.std()) == 0.0:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half
