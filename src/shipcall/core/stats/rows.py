"""Every statistic of a comparison's rows (group × metric) from the paired per-item values: means,
the test that fits the metric's values, intervals at any level, and the items a row would need.

Which test (one per kind of values, decided from the data, never from the metric's name):

- all values 0 or 1 → McNemar's exact test and Tango's score interval (stats/tests.py,
  stats/intervals.py) — hit@1, precision@1, mrr@1 and recall@k with one relevant document
  included;
- otherwise → the largest of the sign-flip and studentized-bootstrap p-values
  (stats/studentized.py) and, for values between 0 and 1, of the Agresti–Min-adjusted Wald
  p-value; the interval is the hull of the bootstrap-t interval and the adjusted Wald interval,
  clipped to [−1, 1]. The adjusted Wald statistic adds half an item that dropped by 1 and half an
  item that gained 1 (Agresti and Min, 2005, "Simple improved confidence intervals for comparing
  matched proportions", Statistics in Medicine 24:729–740): a few changed items can then no longer
  make a small cohort look certain, which is what the bootstrap alone cannot see (a drop that no
  sampled item shows). When every difference is the same number, the exact bound of
  stats/intervals.py is used instead of the bootstrap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shipcall.core.stats.dist import beta_ppf, chi2_ppf, norm_sf
from shipcall.core.stats.intervals import _z, constant_interval, constant_p_value, tango_interval
from shipcall.core.stats.power import items_needed_binary, items_needed_continuous
from shipcall.core.stats.studentized import StudentizedResult, studentized_bootstrap
from shipcall.core.stats.tests import MCNEMAR, NO_TEST, mcnemar_exact_p

CONTINUOUS_TEST = "signflip_bootstrap_t"
PLAN_CONFIDENCE = 0.8  # items needed plan for the 80% upper confidence bound of the spread
_TINY = 1e-12


@dataclass
class RowStats:
    n: NDArray[np.int64]
    mean_b: NDArray[np.float64]
    mean_c: NDArray[np.float64]
    estimate: NDArray[np.float64]
    p_value: NDArray[np.float64]
    binary: NDArray[np.bool_]  # per metric
    bounded: NDArray[np.bool_]  # per metric: values between 0 and 1
    up: NDArray[np.int64]
    down: NDArray[np.int64]
    sum_d: NDArray[np.float64]
    sum_d2: NDArray[np.float64]
    sd: NDArray[np.float64]
    constant: NDArray[np.bool_]
    boot: StudentizedResult | None
    cont_cols: list[int]

    def test_name(self, g: int, j: int) -> str:
        if self.n[g, j] < 2:
            return NO_TEST
        return MCNEMAR if self.binary[j] else CONTINUOUS_TEST

    def interval(self, confidence: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Interval per cell at that cell's confidence level (module docstring)."""
        lo = np.full(self.n.shape, np.nan)
        hi = np.full(self.n.shape, np.nan)
        n_groups = self.n.shape[0]
        for j in (int(x) for x in np.flatnonzero(self.binary)):
            for g in range(n_groups):
                if self.n[g, j] > 0:
                    lo[g, j], hi[g, j] = tango_interval(int(self.up[g, j]), int(self.down[g, j]), int(self.n[g, j]),
                                                        float(confidence[g, j]))
        if self.boot is not None and self.cont_cols:
            cols = self.cont_cols
            b_lo, b_hi = self.boot.interval(confidence[:, cols])
            lo[:, cols], hi[:, cols] = b_lo, b_hi
            for j in cols:
                for g in range(n_groups):
                    n = int(self.n[g, j])
                    if n == 0:
                        continue
                    if self.constant[g, j]:
                        c = float(self.estimate[g, j])
                        lo[g, j], hi[g, j] = ((c, c) if not self.bounded[j] else
                                              constant_interval(c, n, float(confidence[g, j])))
                    if self.bounded[j]:
                        a_lo, a_hi = self._adjusted_wald(g, j, float(confidence[g, j]))
                        lo[g, j] = max(-1.0, min(lo[g, j], a_lo))
                        hi[g, j] = min(1.0, max(hi[g, j], a_hi))
        return lo, hi

    def _adjusted_wald(self, g: int, j: int, confidence: float) -> tuple[float, float]:
        mean_a, se_a = _agresti_min(self.sum_d[g, j], self.sum_d2[g, j], self.n[g, j])
        z = _z(confidence)
        return float(mean_a - z * se_a), float(mean_a + z * se_a)

    def items_needed(self, g: int, j: int, tolerance: float, *, alpha: float, power: float) -> int | None:
        """Items this row would need to find a drop of `tolerance` with `power` at level `alpha`.

        The spread it plans for is the upper end of what the row's data allow (a one-sided 80%
        upper confidence bound: Clopper–Pearson for the share of changed items, the χ² bound
        for a standard deviation), not the point estimate: rows are asked for items needed
        precisely when they were inconclusive, which happens more often when their spread was
        underestimated, so a plan from the point estimate would fall short (stats_promises
        checks the promise). A row too small to show any spread borrows the overall row's."""
        n = int(self.n[g, j])
        if self.binary[j]:
            k, m = int(self.up[g, j] + self.down[g, j]), n
            if m < 2:
                k, m = int(self.up[0, j] + self.down[0, j]), int(self.n[0, j])
            share = beta_ppf(PLAN_CONFIDENCE, k + 1, max(m - k, 1)) if m > 0 else 1.0
            return items_needed_binary(share, tolerance, alpha=alpha, power=power)
        sd, m = float(self.sd[g, j]), n
        if not np.isfinite(sd) or sd <= 0:
            sd, m = (float(self.sd[0, j]), int(self.n[0, j])) if np.isfinite(self.sd[0, j]) else (0.0, 2)
        sd_up = sd * float(np.sqrt((m - 1) / chi2_ppf(1.0 - PLAN_CONFIDENCE, max(m - 1, 1)))) if m >= 2 else sd
        return items_needed_continuous(sd_up, tolerance, alpha=alpha, power=power, bounded=bool(self.bounded[j]))


def _agresti_min(sum_d: float | NDArray[np.float64], sum_d2: float | NDArray[np.float64],
                 n: int | NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and standard error with half an item at −1 and half at +1 added."""
    n_ = np.asarray(n, dtype=np.float64)
    mean_a = np.asarray(sum_d, dtype=np.float64) / (n_ + 1.0)
    var_a = np.maximum((np.asarray(sum_d2, dtype=np.float64) + 1.0) / (n_ + 1.0) - mean_a**2, 0.0)
    return mean_a, np.sqrt(var_a / (n_ + 1.0))


def row_statistics(base: NDArray[np.float64], cand: NDArray[np.float64],
                   groups: Sequence[NDArray[np.integer] | None], *, n_resamples: int, seed: int) -> RowStats:
    """All row statistics for n × M paired values (NaN where an item lacks the metric)."""
    paired = ~np.isnan(base) & ~np.isnan(cand)
    diffs = np.where(paired, cand - base, np.nan)
    n_groups, n_metrics = len(groups), base.shape[1]
    shape = (n_groups, n_metrics)
    vals = np.concatenate([np.where(paired, base, 0.0), np.where(paired, cand, 0.0)])
    binary: NDArray[np.bool_] = np.asarray(np.isin(vals, (0.0, 1.0)).all(axis=0), dtype=bool)
    bounded: NDArray[np.bool_] = np.asarray(((vals >= 0.0) & (vals <= 1.0)).all(axis=0), dtype=bool)
    n = np.zeros(shape, dtype=np.int64)
    mean_b, mean_c, est = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    up, down = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    sum_d, sum_d2, sd = np.zeros(shape), np.zeros(shape), np.full(shape, np.nan)
    constant = np.zeros(shape, dtype=bool)
    for g, idx in enumerate(groups):
        m = paired if idx is None else paired[idx]
        b = np.where(m, base if idx is None else base[idx], 0.0)
        c = np.where(m, cand if idx is None else cand[idx], 0.0)
        d = c - b
        k = m.sum(axis=0)
        n[g] = k
        safe = np.maximum(k, 1)
        mean_b[g] = np.where(k > 0, b.sum(axis=0) / safe, np.nan)
        mean_c[g] = np.where(k > 0, c.sum(axis=0) / safe, np.nan)
        est[g] = np.where(k > 0, d.sum(axis=0) / safe, np.nan)
        up[g] = (m & (b < 0.5) & (c > 0.5)).sum(axis=0)
        down[g] = (m & (b > 0.5) & (c < 0.5)).sum(axis=0)
        sum_d[g], sum_d2[g] = d.sum(axis=0), (d**2).sum(axis=0)
        centred = np.where(m, d - np.nan_to_num(est[g]), 0.0)
        sd[g] = np.where(k >= 2, np.sqrt((centred**2).sum(axis=0) / np.maximum(k - 1, 1)), np.nan)
        spread = np.where(m, np.abs(centred), 0.0).max(axis=0, initial=0.0)
        constant[g] = (k > 0) & (spread <= _TINY)

    p = np.ones(shape)
    p[:, binary] = mcnemar_exact_p(down[:, binary], up[:, binary])
    cont_cols = [int(j) for j in np.flatnonzero(~binary)]
    boot = None
    if cont_cols:
        boot = studentized_bootstrap(diffs[:, cont_cols], groups, n_resamples=n_resamples, seed=seed)
        p_bt = np.where(constant[:, cont_cols], 1.0, boot.p_bootstrap_t)  # nothing to studentize
        p_c = np.maximum(p_bt, boot.p_sign_flip)
        for k, j in enumerate(cont_cols):
            if not bounded[j]:
                continue
            mean_a, se_a = _agresti_min(sum_d[:, j], sum_d2[:, j], n[:, j])
            with np.errstate(divide="ignore", invalid="ignore"):
                p_am = np.where(se_a > 0, 2.0 * norm_sf(np.abs(mean_a) / se_a), 1.0)
            p_const = np.array([constant_p_value(float(est[g, j]), int(n[g, j])) if constant[g, j] else 0.0
                                for g in range(n_groups)])
            p_c[:, k] = np.maximum.reduce([p_c[:, k], p_am, p_const])
        p[:, cont_cols] = p_c
    p = np.where(n >= 2, p, 1.0)
    return RowStats(n, mean_b, mean_c, est, p, binary, bounded, up, down, sum_d, sum_d2, sd, constant, boot,
                    cont_cols)
