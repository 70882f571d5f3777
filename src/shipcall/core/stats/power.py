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
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from shipcall.core.stats.dist import binom_cdf, binom_pmf, norm_cdf, norm_ppf, t_ppf


@lru_cache(maxsize=256)
def _z_sum(alpha: float, power: float) -> float:
    return float(norm_ppf(1 - alpha / 2) + norm_ppf(power))


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
    return float(norm_cdf(shift - norm_ppf(1 - alpha / 2)))


MAX_ITEMS = 10_000_000


def _smallest(power_at: Callable[[int], float], target: float, start: int = 2, guess: int | None = None) -> int | None:
    """About the smallest n ≥ start with power_at(n) ≥ target: from `guess` (a normal-theory
    answer) doubling or halving to bracket the crossing, then bisection to within 0.5% (the
    figure is printed as "about N items"; exact tests' power is a sawtooth in n anyway)."""
    lo = hi = max(start, guess or start)
    if power_at(hi) >= target:
        while lo > start:
            lo = max(start, lo // 2)
            if power_at(lo) < target:
                break
            hi = lo
        else:
            return hi
    else:
        while power_at(hi) < target:
            lo, hi = hi, hi * 2
            if hi > MAX_ITEMS:
                return None
    while hi - lo > max(1, int(0.005 * hi)):
        mid = (lo + hi) // 2
        if power_at(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def _critical(d: np.ndarray, alpha: float) -> np.ndarray:
    """k*(D) for each D (see `_critical_table`), from a table shared by every call at this level."""
    size = 1 << max(10, int(np.max(d, initial=0)).bit_length())
    return _critical_table(float(alpha), size)[d]


@lru_cache(maxsize=64)
def _critical_table(alpha: float, size: int) -> np.ndarray:
    """k*(D) for D = 0..size−1: the largest k with 2·P(Bin(D, ½) ≤ k) < alpha (−1 if none).
    Started from the normal approximation and corrected with exact binomial CDFs (a few
    vectorised steps, far faster than the binomial quantile function)."""
    d = np.arange(size)
    z = float(norm_ppf(1.0 - alpha / 2.0))
    k = np.floor(d / 2.0 - z * np.sqrt(d) / 2.0).astype(np.int64)
    k = np.clip(k, -1, np.maximum(d, 0))
    for _ in range(64):
        down = (k >= 0) & (2.0 * binom_cdf(k, d, 0.5) >= alpha)
        up = (k + 1 <= d) & (2.0 * binom_cdf(k + 1, d, 0.5) < alpha)
        if not (down.any() or up.any()):
            break
        k = k - down + up
    return k


def mcnemar_power(n: int, p_worse: float, p_better: float, alpha: float) -> float:
    """Exact power of the two-sided exact McNemar test at level `alpha` to find the drop
    (p_worse > p_better): Σ_D P(D discordant) · P(better ≤ k*(D) | D), k*(D) the largest count of
    improved pairs that the test rejects at D discordant pairs. The sum runs over D within 12
    standard deviations of its mean (the rest weighs less than 1e-30)."""
    pi = p_worse + p_better
    if n < 1 or pi <= 0:
        return 0.0
    mu, sd = n * pi, math.sqrt(n * pi * max(1.0 - pi, 0.0))
    d = np.arange(max(0, math.floor(mu - 12 * sd - 3)), min(n, math.ceil(mu + 12 * sd + 3)) + 1)
    k = _critical(d, alpha)
    reject = np.where(k >= 0, binom_cdf(k, d, p_better / pi), 0.0)
    return float(np.sum(binom_pmf(d, n, pi) * reject))


def items_needed_binary(p_discordant: float, delta: float, *, alpha: float, power: float = 0.8) -> int | None:
    """Items for the exact McNemar test (see `_items_needed_binary`); the share is rounded to 4
    decimals so rows in the same situation share one search."""
    return _items_needed_binary(round(float(p_discordant), 4), float(delta), float(alpha), float(power))


@lru_cache(maxsize=4096)
def _items_needed_binary(p_discordant: float, delta: float, alpha: float, power: float) -> int | None:
    """Items for the exact McNemar test at level `alpha` to find a drop of `delta` with `power`,
    when a share `p_discordant` of items changes (at least `delta`): the worse and better shares
    are (π ± delta) / 2. None: delta 0, or not reachable below MAX_ITEMS items."""
    if delta <= 0 or not 0 < alpha < 1 or not 0 < power < 1:
        return None
    pi = min(1.0, max(p_discordant, delta))
    worse, better = (pi + delta) / 2.0, (pi - delta) / 2.0
    guess = items_needed(sigma_d_binary(better, worse), delta, alpha=alpha, power=power)
    return _smallest(lambda n: mcnemar_power(n, worse, better, alpha), power, guess=guess)


def continuous_power(n: int, sigma_d: float, delta: float, alpha: float) -> float:
    """Approximate power of compare's continuous test (the largest of the sign-flip, bootstrap-t
    and Agresti–Min-adjusted p-values; stats/studentized.py) for a mean change `delta` with
    per-item standard deviation `sigma_d`: the adjusted Wald test, whose half-item pseudo-counts
    at ±1 make it the least powerful of the three, with Student's t quantile (n − 1 df)."""
    if n < 2:
        return 0.0
    second = sigma_d**2 + delta**2
    mean_a = n * abs(delta) / (n + 1.0)
    var_a = (n * second + 1.0) / (n + 1.0) - mean_a**2
    se_a = math.sqrt(max(var_a, 1e-300) / (n + 1.0))
    crit = float(t_ppf(1 - alpha / 2.0, n - 1))
    return float(norm_cdf(mean_a / se_a - crit))


def items_needed_continuous(sigma_d: float, delta: float, *, alpha: float, power: float = 0.8,
                            bounded: bool = True) -> int | None:
    """Items for compare's continuous test (see `_items_needed_continuous`), σ rounded to 4 digits."""
    if not math.isfinite(sigma_d):
        return None
    return _items_needed_continuous(float(f"{sigma_d:.4g}"), float(delta), float(alpha), float(power), bool(bounded))


@lru_cache(maxsize=4096)
def _items_needed_continuous(sigma_d: float, delta: float, alpha: float, power: float, bounded: bool) -> int | None:
    """Items for compare's continuous test at level `alpha` to find a mean change `delta` with
    `power` (continuous_power for metrics between 0 and 1, else Student's t). None: delta 0 or
    not reachable below MAX_ITEMS items."""
    if delta == 0 or not math.isfinite(sigma_d) or not 0 < alpha < 1 or not 0 < power < 1:
        return None
    if not bounded:
        def pw(n: int) -> float:
            crit = float(t_ppf(1 - alpha / 2.0, n - 1))
            return float(norm_cdf(abs(delta) * math.sqrt(n) / max(sigma_d, 1e-300) - crit))
        return _smallest(pw, power, guess=items_needed(sigma_d, delta, alpha=alpha, power=power))
    return _smallest(lambda n: continuous_power(n, sigma_d, delta, alpha), power,
                     guess=items_needed(max(sigma_d, 1e-3), delta, alpha=alpha, power=power))
