"""Paired bootstrap with Poisson weights: one weight matrix serves every metric and cohort.

Why Poisson weights: the classical paired bootstrap (Efron and Tibshirani, 1993, ch. 13)
resamples item indices with replacement, the same indices for baseline and candidate, and takes
the mean of the per-item differences. Resampling n items with replacement gives every item a
Multinomial(n, 1/n) count; for moderate n these counts are close to independent Poisson(1) draws
(Hanley and MacGibbon, 2006; Chamandy, Muralidharan, Najmi and Naidu, 2012, "Estimating
uncertainty for massive data streams"). Independent weights make a resampled mean a ratio of two
dot products, (W x) / (W 1), over any subset of items, so one B × n matrix W answers every
metric and every cohort with matrix products instead of a Python loop per cohort.

The Poisson(1) draws come from inverse-CDF lookup of 32-bit uniforms (the distribution is
truncated at 12, whose tail probability, < 1e-9, is below the 2^-32 resolution); this is four
times faster than `Generator.poisson` and exact at that resolution. Randomness comes only from
`numpy.random.default_rng(seed)`; the same (seed, B, n) always gives the same matrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shipcall.core.stats.dist import poisson_cdf

DEFAULT_RESAMPLES = 10_000
_BLOCK_ELEMENTS = 1 << 21  # weights generated and used in row blocks of about 2M entries (8 MB)
_MAX_WEIGHT = 12
# P(Poisson(1) <= k) scaled to 2^32, k = 0..11: a uniform u gives weight #{k : u >= threshold_k}.
_THRESHOLDS = np.minimum(
    np.round(poisson_cdf(np.arange(_MAX_WEIGHT), 1.0) * 2.0**32), 2.0**32 - 1
).astype(np.uint32)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the enclosed matrix products on one BLAS thread. The products here are many small
    ones (a block of weights × a few columns); a second BLAS thread only adds hand-over costs,
    which on a machine whose cores are busy made the bootstrap 3–5× slower than one thread. One
    thread also makes the results independent of the number of cores: multi-threaded OpenBLAS sums
    in another order than single-threaded OpenBLAS, which moved float32 resamples in their last bits."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _block_rows(n_items: int) -> int:
    """Rows per block: even (so 32-bit halves of 64-bit draws never straddle blocks), ≥ 2."""
    rows = max(2, _BLOCK_ELEMENTS // max(1, n_items))
    return rows - rows % 2


def iter_poisson_weights(n_resamples: int, n_items: int, seed: int) -> Iterator[NDArray[np.float32]]:
    """Yield the rows of the B × n Poisson(1) weight matrix in blocks (float32, small integers).

    Blocks depend only on (n_resamples, n_items), so the stream is reproducible from the seed;
    concatenating the blocks gives exactly `poisson_weights(n_resamples, n_items, seed)`.
    """
    for w in iter_poisson_counts(n_resamples, n_items, seed):
        yield w.astype(np.float32)


_FULL_PASSES = 5  # thresholds compared with every draw; the other seven only with draws of weight ≥ 5 (0.4%)


def iter_poisson_counts(n_resamples: int, n_items: int, seed: int) -> Iterator[NDArray[np.uint8]]:
    """The blocks of `iter_poisson_weights` as uint8 counts (the same numbers): a quarter of the
    bytes to gather a cohort's columns from before they are converted to float32."""
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    rng = np.random.default_rng(seed)
    step = _block_rows(n_items)
    done = 0
    while done < n_resamples:
        rows = min(step, n_resamples - done)
        size = rows * n_items
        raw = rng.bit_generator.random_raw((size + 1) // 2)
        u = raw.view(np.uint32)[:size].reshape(rows, n_items)
        yield _poisson_counts(u)
        done += rows


def _poisson_counts(u: NDArray[np.uint32]) -> NDArray[np.uint8]:
    """#{k : u ≥ threshold_k} per draw. Every draw is compared with the first five thresholds;
    only the draws at or above the fifth (weight ≥ 5, 0.4% of them) with the other seven: the
    same counts as comparing every draw with all twelve, in a third of the time."""
    w = np.zeros(u.shape, dtype=np.uint8)
    above = np.empty(u.shape, dtype=bool)
    for t in _THRESHOLDS[:_FULL_PASSES]:
        np.greater_equal(u, t, out=above)
        w += above.view(np.uint8)  # a same-type add: far faster than adding bools with a cast
    far = np.flatnonzero(above)
    if far.size:
        uf = u.reshape(-1)[far]
        extra = np.zeros(far.size, dtype=np.uint8)
        for t in _THRESHOLDS[_FULL_PASSES:]:
            extra += (uf >= t).view(np.uint8)
        w.reshape(-1)[far] += extra
    return w


def poisson_weights(n_resamples: int, n_items: int, seed: int) -> NDArray[np.float32]:
    """The whole B × n Poisson(1) weight matrix (for tests and small problems)."""
    blocks = list(iter_poisson_weights(n_resamples, n_items, seed))
    return np.vstack(blocks) if blocks else np.zeros((0, n_items), dtype=np.float32)


@dataclass(frozen=True)
class BootstrapResult:
    """Per group (rows) and metric (columns): the observed mean difference over the items that
    have the metric, its percentile interval, a bootstrap p-value and the number of items."""

    estimate: NDArray[np.float64]
    ci_low: NDArray[np.float64]
    ci_high: NDArray[np.float64]
    p_value: NDArray[np.float64]
    n: NDArray[np.int64]
    n_resamples: int
    seed: int
    confidence: float
    resamples: NDArray[np.float32] | None = None  # B × groups × metrics, when asked for


def bootstrap_p_value(resampled: NDArray[np.floating], estimate: NDArray[np.floating]) -> NDArray[np.float64]:
    """Two-sided bootstrap p-value per column: the share of resampled statistics, re-centred on
    zero, at least as extreme as the observed one, (1 + count) / (1 + B) (Davison and Hinkley,
    1997, §4.4; Efron and Tibshirani, 1993, §16.4). NaN resamples are ignored.

    Its resolution is 1 / (B + 1): with 10,000 resamples it cannot go below 1e-4, which is coarser
    than alpha divided by a family of a few hundred tests. That is why `compare` takes its
    p-values from McNemar's exact test or the paired t-test and reports this one only as a check.
    """
    r = np.asarray(resampled, dtype=np.float64)
    est = np.asarray(estimate, dtype=np.float64)
    valid = ~np.isnan(r)
    extreme = (np.abs(r - est) >= np.abs(est) - 1e-12) & valid
    return (1.0 + extreme.sum(axis=0)) / (1.0 + valid.sum(axis=0))


def _round_significant(x: NDArray[np.float64], digits: int = 7) -> NDArray[np.float64]:
    """Round to float32's ~7 significant digits, so float32 resampling noise does not show as
    0.10000000149 (bounds are only ever this precise; their Monte Carlo error is far larger)."""
    out = x.copy()
    ok = np.isfinite(x) & (x != 0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x[ok]))))
    out[ok] = np.round(x[ok] * scale) / scale
    return out


def paired_bootstrap(
    diffs: NDArray[np.floating],
    groups: Sequence[NDArray[np.integer] | None] | None = None,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = 0.95,
    keep_resamples: bool = False,
) -> BootstrapResult:
    """Poisson-weight paired bootstrap of mean differences for many metrics and groups at once.

    `diffs` is n × M: per item (row) and metric (column) the candidate minus baseline value, NaN
    where an item lacks the metric in either run. `groups` lists item-index arrays (None = all
    items); the default is one group of all items. For every resample b, group g and metric j
    the resampled mean is Σ_i W_bi·x_ij / Σ_i W_bi·m_ij over the group's items, m the
    has-the-metric mask, x the differences with NaN set to 0. A resample that gives a group zero
    total weight is dropped for that group (probability e^-n). The interval is the percentile
    interval (Efron and Tibshirani, 1993, §13.3).
    """
    d = np.asarray(diffs, dtype=np.float64)
    if d.ndim == 1:
        d = d[:, None]
    n_items, n_metrics = d.shape
    group_list: list[NDArray[np.integer] | None] = [None] if groups is None else list(groups)
    mask = ~np.isnan(d)
    x = np.where(mask, d, 0.0)
    design = np.hstack([x, mask.astype(np.float64)]).astype(np.float32)  # n × 2M

    n_groups = len(group_list)
    counts = np.zeros((n_groups, n_metrics), dtype=np.int64)
    estimate = np.full((n_groups, n_metrics), np.nan)
    sub_designs: list[NDArray[np.float32]] = []
    for g, idx in enumerate(group_list):
        cols = mask if idx is None else mask[idx]
        vals = x if idx is None else x[idx]
        counts[g] = cols.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate[g] = np.where(counts[g] > 0, vals.sum(axis=0) / np.maximum(counts[g], 1), np.nan)
        sub_designs.append(design if idx is None else design[idx])

    resamples = np.empty((n_resamples, n_groups, n_metrics), dtype=np.float32)
    row = 0
    if n_items > 0:
        with one_blas_thread():
            for w in iter_poisson_weights(n_resamples, n_items, seed):
                rows = w.shape[0]
                for g, idx in enumerate(group_list):
                    wg = w if idx is None else w[:, idx]
                    prod = wg @ sub_designs[g]  # rows × 2M: weighted sums, then total weights
                    with np.errstate(invalid="ignore", divide="ignore"):
                        resamples[row : row + rows, g] = np.where(
                            prod[:, n_metrics:] > 0, prod[:, :n_metrics] / prod[:, n_metrics:], np.nan
                        )
                row += rows
    else:
        resamples[:] = np.nan

    flat = resamples.reshape(n_resamples, n_groups * n_metrics).astype(np.float64)
    tail = (1.0 - confidence) / 2.0
    lo = np.full(flat.shape[1], np.nan)
    hi = np.full(flat.shape[1], np.nan)
    has_nan = np.isnan(flat).any(axis=0)
    clean = ~has_nan
    if clean.any():
        lo[clean], hi[clean] = np.quantile(flat[:, clean], [tail, 1.0 - tail], axis=0)
    if has_nan.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: groups without items
            lo[has_nan], hi[has_nan] = np.nanquantile(flat[:, has_nan], [tail, 1.0 - tail], axis=0)
    p = bootstrap_p_value(flat, estimate.reshape(-1))
    shape = (n_groups, n_metrics)
    lo, hi = _round_significant(lo), _round_significant(hi)
    return BootstrapResult(
        estimate=estimate,
        ci_low=lo.reshape(shape),
        ci_high=hi.reshape(shape),
        p_value=np.where(counts > 0, p.reshape(shape), np.nan),
        n=counts,
        n_resamples=n_resamples,
        seed=seed,
        confidence=confidence,
        resamples=resamples if keep_resamples else None,
    )

