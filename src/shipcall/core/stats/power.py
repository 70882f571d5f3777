"""How many paired items a test needs to detect a given drop (normal approximation).

For a paired mean difference δ, standard deviation of the per-item differences σ_d, two-sided
level α and power 1 − β (Chow, Shao and Wang, "Sample Size Calculations in Clinical Research",
2008, §3.1; the same formula for paired data as for one sample of differences):

    n ≈ ((z(1 − α/2) + z(1 − β)) · σ_d / δ)²

For a 0/1 metric the differences are −1, 0 or +1 and σ_d² = p01 + p10 − (p01 − p10)², p01 and
p10 the shares of discordant pairs (Connor, 1987, "Sample size for testing differences in
proportions for the paired-sample design"). Use the corrected α when a family of tests is run:
`compare` passes α / m, the Bonferroni level that Holm's first step uses (and the worst case of
Benjamini–Hochberg's).
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy.stats import norm


@lru_cache(maxsize=256)
def _z_sum(alpha: float, power: float) -> float:
    return float(norm.ppf(1 - alpha / 2) + norm.ppf(power))


def sigma_d_binary(p01: float, p10: float) -> float:
    """Standard deviation of paired 0/1 differences from the two discordant shares."""
    var = p01 + p10 - (p01 - p10) ** 2
    return math.sqrt(max(var, 0.0))


def items_needed(sigma_d: float, delta: float, *, alpha: float, power: float = 0.8) -> int | None:
    """Items needed to detect a mean difference of `delta` at `power`, two-sided level `alpha`.

    At least 2 (a paired test needs two items). None when `delta` is 0 (no finite number of
    items detects a zero difference) or σ_d is not finite.
    """
    if delta == 0 or not math.isfinite(sigma_d) or not 0 < alpha < 1 or not 0 < power < 1:
        return None
    n = (_z_sum(alpha, power) * sigma_d / abs(delta)) ** 2
    return max(2, math.ceil(n - 1e-9))


def detection_power(n: int, sigma_d: float, delta: float, *, alpha: float) -> float:
    """Approximate power of a two-sided level-`alpha` test with n items to detect `delta`
    (the inverse of `items_needed`, ignoring the negligible opposite tail)."""
    if n < 1 or sigma_d <= 0:
        return 1.0 if delta != 0 and n >= 1 else 0.0
    shift = abs(delta) * math.sqrt(n) / sigma_d
    return float(norm.cdf(shift - norm.ppf(1 - alpha / 2)))
