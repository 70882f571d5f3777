"""Paired significance tests whose p-values are exact or analytic, so their resolution is far finer
than alpha divided by the size of the multiple-testing family.

- 0/1 metrics (exact match, hit@k, a false answer): McNemar's exact test (McNemar, 1947; exact
  form: a binomial test with p = 0.5 on the discordant pairs, e.g. Fagerland, Lydersen and Laake,
  2013, "The McNemar test for binary matched-pairs data"). Only items that changed between the
  runs carry information.
- Continuous metrics (f1, ndcg@k, recall@k with several relevant documents, ...): the paired
  t-test on the per-item differences (Student, 1908), identical to `scipy.stats.ttest_rel`.
  With the sample sizes of evaluation sets (tens to thousands of items) and bounded metrics the
  mean difference is close to normal (central limit theorem); the simulation tests in
  tests/core/test_compare.py check its false-alarm rate.

Each result names its test ("mcnemar_exact", "paired_t"; "none" when fewer than two items make a
test impossible), and `compare` writes that name into every row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shipcall.core.stats.dist import binom_cdf, t_sf

MCNEMAR = "mcnemar_exact"
PAIRED_T = "paired_t"
NO_TEST = "none"


@dataclass(frozen=True)
class PairedTestResult:
    """One paired test: its two-sided p-value, statistic and name."""

    p_value: float
    statistic: float
    test: str
    n: int


def mcnemar_exact_p(worse: ArrayLike, better: ArrayLike) -> NDArray[np.float64]:
    """Two-sided exact McNemar p-values from discordant-pair counts (vectorised).

    `worse` counts items that went 1 → 0, `better` those that went 0 → 1. Under the null each
    discordant pair is a fair coin, so p = min(1, 2·P(Binomial(b + c, 1/2) ≤ min(b, c))), which
    equals `scipy.stats.binomtest(c, b + c, 0.5).pvalue` (the binomial is symmetric at 1/2).
    No discordant pair gives p = 1.
    """
    b = np.asarray(worse, dtype=np.int64)
    c = np.asarray(better, dtype=np.int64)
    total = b + c
    p = np.minimum(1.0, 2.0 * binom_cdf(np.minimum(b, c), np.maximum(total, 1), 0.5))
    return np.where(total > 0, p, 1.0)


def mcnemar_exact(baseline: ArrayLike, candidate: ArrayLike) -> PairedTestResult:
    """McNemar's exact test on paired 0/1 outcomes; the statistic is the count of 0 → 1 pairs."""
    a = np.asarray(baseline, dtype=np.float64)
    c = np.asarray(candidate, dtype=np.float64)
    worse = int(np.sum((a > 0.5) & (c < 0.5)))
    better = int(np.sum((a < 0.5) & (c > 0.5)))
    return PairedTestResult(float(mcnemar_exact_p(worse, better)), float(better), MCNEMAR, int(a.size))


def paired_t_p(n: ArrayLike, mean: ArrayLike, sd: ArrayLike) -> NDArray[np.float64]:
    """Two-sided paired t-test p-values from the moments of the differences (vectorised).

    t = mean / (sd / √n) with n − 1 degrees of freedom, as `scipy.stats.ttest_rel`. Degenerate
    cases are answered without NaN: n < 2 → 1; sd = 0 → 1 when the mean is 0 (identical runs),
    else 0 (every item moved by the same non-zero amount).
    """
    n_ = np.asarray(n, dtype=np.float64)
    m = np.asarray(mean, dtype=np.float64)
    s = np.asarray(sd, dtype=np.float64)
    ok = (n_ >= 2) & (s > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(ok, m / (s / np.sqrt(np.maximum(n_, 1))), 0.0)
        p = 2.0 * t_sf(np.abs(t), np.maximum(n_ - 1, 1))
    degenerate = np.where(np.abs(m) > 0, 0.0, 1.0)
    p = np.where(ok, p, np.where(n_ >= 2, degenerate, 1.0))
    return np.clip(p, 0.0, 1.0)


def paired_t(diffs: ArrayLike) -> PairedTestResult:
    """The paired t-test on per-item differences (NaN dropped)."""
    d = np.asarray(diffs, dtype=np.float64)
    d = d[~np.isnan(d)]
    n = int(d.size)
    if n < 2:
        return PairedTestResult(1.0, 0.0, NO_TEST, n)
    mean = float(d.mean())
    sd = float(d.std(ddof=1))
    stat = mean / (sd / np.sqrt(n)) if sd > 0 else (0.0 if mean == 0 else float(np.sign(mean) * np.inf))
    return PairedTestResult(float(paired_t_p(n, mean, sd)), float(stat), PAIRED_T, n)
