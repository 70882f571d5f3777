"""The studentized (bootstrap-t) interval and p-value, and the sign-flip randomization p-value,
for the mean of paired differences of continuous metrics, many groups and metrics at once.

Why these and not the paired t-test: per-item changes of f1 or ndcg are often skewed (most
items gain a little, a few lose a lot). The t-test's tails are then wrong in exactly the
region a multiple-testing correction looks at (the audit measured a 10–12% family-wise false
"improved" rate for a nominal 5%). Two resampling tests cover the two ways a "no difference"
can look:

- **sign-flip randomization** (Fisher, 1935; Good, "Permutation, Parametric and Bootstrap Tests
  of Hypotheses", 2005, §3.7): when the two runs are exchangeable per item (A/A, churn), each
  difference is as likely positive as negative, and the p-value of T = Σ d_i among B seeded
  random re-signings is exact at any n — even when only two items changed;
- **studentized bootstrap** (bootstrap-t: Efron and Tibshirani, 1993, §12.5; Hall, 1992, "The
  Bootstrap and Edgeworth Expansion", §3.5): t* = (mean* − mean) / se* over the resamples
  estimates the distribution of the t statistic itself, including its skew, so its interval
  and p-value are second-order accurate when the changes are skewed but centred on 0.

The p-value a row reports is the larger of the two: it is valid whenever either is.
The interval is the equal-tailed bootstrap-t interval [mean − q(1 − a/2)·se, mean − q(a/2)·se].
A resample without any changed item has se* = 0; its t* is ±∞ (or 0 when its mean equals the
sample's), so when a handful of items carry all the change, the interval reaches the metric's
bound on the side those items could hide — the interval never collapses to a point.

Weights are the Poisson(1) weights of stats/bootstrap.py (one seeded matrix for every metric
and group); the studentization uses each resample's own total weight as its n. Statistics of a
group are computed on values centred at the group's mean, so float32 products keep their
precision.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shipcall.core.stats.bootstrap import DEFAULT_RESAMPLES, iter_poisson_counts, one_blas_thread
from shipcall.core.stats.dist import norm_sf

_TINY = 1e-12


@dataclass(frozen=True)
class StudentizedResult:
    """Per group (rows) and metric (columns): mean difference, its standard error (n − 1 in the
    variance), item count, bootstrap-t and sign-flip p-values, and the B resampled t*."""

    estimate: NDArray[np.float64]
    se: NDArray[np.float64]
    n: NDArray[np.int64]
    p_bootstrap_t: NDArray[np.float64]
    p_sign_flip: NDArray[np.float64]
    tstar: NDArray[np.float32]  # B × groups × metrics (NaN: a resample with total weight < 2)
    n_resamples: int
    seed: int

    @property
    def p_value(self) -> NDArray[np.float64]:
        return np.maximum(self.p_bootstrap_t, self.p_sign_flip)

    def interval(self, confidence: NDArray[np.float64] | float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Equal-tailed bootstrap-t interval per cell at `confidence` (a scalar or one level per
        cell); unbounded ends are ±inf (the caller clips them to the metric's range)."""
        conf = np.broadcast_to(np.asarray(confidence, dtype=np.float64), self.estimate.shape)
        lo = np.full(self.estimate.shape, np.nan)
        hi = np.full(self.estimate.shape, np.nan)
        for level in np.unique(conf[np.isfinite(conf)]):
            cells = conf == level
            tail = (1.0 - level) / 2.0
            t = self.tstar[:, cells].astype(np.float64)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: groups without items
                q_lo, q_hi = _nan_quantiles(t, tail, 1.0 - tail)
            est, se = self.estimate[cells], self.se[cells]
            with np.errstate(invalid="ignore"):
                lo[cells] = est - np.where(np.isinf(q_hi), np.sign(q_hi) * np.inf, q_hi * se)
                hi[cells] = est - np.where(np.isinf(q_lo), np.sign(q_lo) * np.inf, q_lo * se)
        return lo, hi


def _nan_quantiles(t: NDArray[np.float64], lo_q: float, hi_q: float) -> tuple[NDArray[np.float64], ...]:
    """Quantiles per column ignoring NaN, with ±inf kept (the "lower" and "higher" order
    statistics, so an infinite resample never mixes with a finite one)."""
    ok = ~np.isnan(t)
    counts = ok.sum(axis=0)
    s = np.sort(np.where(ok, t, np.inf), axis=0)  # NaN sorted last as +inf, beyond each column's count
    out = []
    for q, rounding in ((lo_q, np.floor), (hi_q, np.ceil)):
        pos = rounding(q * (counts - 1)).astype(np.int64)
        pos = np.clip(pos, 0, np.maximum(counts - 1, 0))
        vals = np.take_along_axis(s, pos[None, :], axis=0)[0]
        out.append(np.where(counts > 0, vals, np.nan))
    return out[0], out[1]


def studentized_bootstrap(
    diffs: NDArray[np.floating],
    groups: Sequence[NDArray[np.integer] | None],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> StudentizedResult:
    """Bootstrap-t and sign-flip statistics of the mean difference for every group × metric.

    `diffs` is n × M (NaN where an item lacks the metric in either run); `groups` lists item
    index arrays (None: all items). Deterministic for a seed: the weights come from
    `iter_poisson_weights(n_resamples, n, seed)` (as uint8 counts: `iter_poisson_counts`), the
    signs from `default_rng([seed, 1])`.
    """
    d = np.asarray(diffs, dtype=np.float64)
    if d.ndim == 1:
        d = d[:, None]
    n_items, n_metrics = d.shape
    mask = ~np.isnan(d)
    x = np.where(mask, d, 0.0)
    n_groups = len(groups)
    shape = (n_groups, n_metrics)
    counts = np.zeros(shape, dtype=np.int64)
    est = np.full(shape, np.nan)
    se = np.full(shape, np.nan)
    designs: list[NDArray[np.float32]] = []
    for g, idx in enumerate(groups):
        m = mask if idx is None else mask[idx]
        v = x if idx is None else x[idx]
        k = m.sum(axis=0)
        counts[g] = k
        mean = np.where(k > 0, v.sum(axis=0) / np.maximum(k, 1), np.nan)
        est[g] = mean
        centred = np.where(m, v - np.nan_to_num(mean), 0.0)
        ss = (centred**2).sum(axis=0)
        se[g] = np.where(k >= 2, np.sqrt(ss / np.maximum(k - 1, 1) / np.maximum(k, 1)), np.nan)
        designs.append(np.hstack([centred, centred**2, m.astype(np.float64)]).astype(np.float32))

    tstar = np.full((n_resamples, n_groups, n_metrics), np.nan, dtype=np.float32)
    with one_blas_thread():
        _resample_t(tstar, x, designs, groups, n_resamples, seed)
        p_sf = sign_flip_p_matrix(x, groups, n_resamples=n_resamples, seed=seed)

    with np.errstate(invalid="ignore", divide="ignore"):
        t_obs = np.where(se > _TINY, est / se, np.where(np.abs(est) <= _TINY, 0.0, np.sign(est) * np.inf))
    valid = ~np.isnan(tstar)
    above = ((tstar >= t_obs[None] - 1e-9) & valid).sum(axis=0)
    below = ((tstar <= t_obs[None] + 1e-9) & valid).sum(axis=0)
    total = valid.sum(axis=0)
    p_bt = np.minimum(1.0, 2.0 * (1.0 + np.minimum(above, below)) / (1.0 + total))
    p_bt = np.where(counts >= 2, p_bt, 1.0)
    return StudentizedResult(est, se, counts, p_bt, p_sf, tstar, n_resamples, seed)


def _resample_t(tstar: NDArray[np.float32], x: NDArray[np.float64], designs: list[NDArray[np.float32]],
                groups: Sequence[NDArray[np.integer] | None], n_resamples: int, seed: int) -> None:
    """Fill tstar (B × groups × metrics) with each resample's t* (NaN: total weight < 2)."""
    n_items, n_metrics = x.shape
    if n_items == 0:
        return
    # The cohorts' columns are gathered once per block, all cohorts together, from the uint8
    # counts (a quarter of the bytes of float32; gathering float32 columns per cohort was a third
    # of the bootstrap's time); each cohort is then a slice of the gathered block, laid out in
    # memory as `w[:, idx]` was (Fortran order): OpenBLAS picks its kernel by layout and shape,
    # and another layout moved float32 sums in their last bits. Same numbers, same layout: the
    # same products, bit for bit (tests/core/test_stats.py).
    picked = [np.asarray(idx) for idx in groups if idx is not None]
    order = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
    ends = np.cumsum([0, *(len(i) for i in picked)])
    row = 0
    for counts in iter_poisson_counts(n_resamples, n_items, seed):
        rows = counts.shape[0]
        w = counts.astype(np.float32)
        gathered = counts.T[order].astype(np.float32)  # items × rows
        k = 0
        for g, idx in enumerate(groups):
            if idx is None:
                wg = w
            else:
                wg = gathered[ends[k] : ends[k + 1]].T  # laid out as w[:, idx] is (Fortran order)
                k += 1
            prod = (wg @ designs[g]).astype(np.float64)
            s1, s2, tot = prod[:, :n_metrics], prod[:, n_metrics : 2 * n_metrics], prod[:, 2 * n_metrics :]
            with np.errstate(invalid="ignore", divide="ignore"):
                shift = s1 / tot  # mean* − mean (values are centred)
                var = np.maximum(s2 - tot * shift**2, 0.0) / (tot - 1.0)
                se_b = np.sqrt(var / tot)
                t = np.where(se_b > _TINY * np.maximum(1.0, np.abs(shift)), shift / se_b,
                             np.where(np.abs(shift) <= _TINY, 0.0, np.sign(shift) * np.inf))
            tstar[row : row + rows, g] = np.where(tot >= 2.0, t, np.nan)
        row += rows


EXACT_SIGN_FLIP_MAX = 60  # up to this many changed items: Monte Carlo over the re-signings; above: its normal limit


def sign_flip_p_matrix(
    x: NDArray[np.floating],
    groups: Sequence[NDArray[np.integer] | None],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> NDArray[np.float64]:
    """Two-sided sign-flip p-values of T = Σ x_i per group × metric, x with 0 where an item lacks
    the metric (unchanged items carry no sign). With at most EXACT_SIGN_FLIP_MAX changed items:
    (1 + #{|T*| ≥ |T|}) / (1 + B) over B seeded re-signings of the changed items. With more, the
    randomization distribution's normal limit N(0, Σ x_i²) (Lindeberg's CLT; here the bootstrap-t
    beside it carries any skew). T = 0 gives 1."""
    v = np.asarray(x, dtype=np.float64)
    n_metrics = v.shape[1]
    out = np.ones((len(groups), n_metrics))
    rng = np.random.default_rng([seed, 1])
    signs = (rng.integers(0, 2, size=(n_resamples, EXACT_SIGN_FLIP_MAX), dtype=np.int8) * 2 - 1).astype(np.float64)
    for g, idx in enumerate(groups):
        vg = v if idx is None else v[idx]
        for j in range(n_metrics):
            col = vg[:, j]
            nz = col[np.abs(col) > _TINY]
            t_obs = abs(float(nz.sum()))
            scale = float(np.abs(nz).sum())
            if nz.size == 0 or t_obs <= _TINY * max(scale, 1.0):
                continue
            if nz.size <= EXACT_SIGN_FLIP_MAX:
                tt = np.abs(signs[:, : nz.size] @ nz)
                out[g, j] = (1.0 + float((tt >= t_obs - 1e-9 * scale).sum())) / (1.0 + n_resamples)
            else:
                out[g, j] = float(2.0 * norm_sf(t_obs / math.sqrt(float((nz**2).sum()))))
    return out
