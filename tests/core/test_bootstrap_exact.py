"""The bootstrap's faster paths give the very numbers of the plain ones: the Poisson counts of
all twelve thresholds, and the bootstrap-t resamples of a product per cohort on `w[:, idx]`
(bit for bit: `compare` prints p-values that count resamples, so a last-bit change could show)."""

from __future__ import annotations

import numpy as np

from shipcall.core.stats.bootstrap import _THRESHOLDS, _poisson_counts, iter_poisson_weights, one_blas_thread
from shipcall.core.stats.studentized import _TINY, _resample_t


def _all_thresholds(u: np.ndarray) -> np.ndarray:
    w = np.zeros(u.shape, dtype=np.uint8)
    for t in _THRESHOLDS:
        w += (u >= t).view(np.uint8)
    return w


def test_poisson_counts_equal_the_count_over_all_thresholds():
    rng = np.random.default_rng(3)
    u = rng.bit_generator.random_raw(300_000).view(np.uint32).reshape(600, 1000)
    np.testing.assert_array_equal(_poisson_counts(u), _all_thresholds(u))
    edges = np.concatenate([_THRESHOLDS.astype(np.int64) + d for d in (-1, 0, 1)] + [np.array([0, 2**32 - 1])])
    edges = edges.clip(0, 2**32 - 1).astype(np.uint32).reshape(1, -1)
    np.testing.assert_array_equal(_poisson_counts(edges), _all_thresholds(edges))
    assert _poisson_counts(np.array([[2**32 - 1]], dtype=np.uint32))[0, 0] == 12


def _resample_t_plain(tstar, x, designs, groups, n_resamples, seed):
    """The bootstrap-t resamples as first written: one product per cohort on `w[:, idx]`."""
    n_metrics = x.shape[1]
    row = 0
    for w in iter_poisson_weights(n_resamples, x.shape[0], seed):
        rows = w.shape[0]
        for g, idx in enumerate(groups):
            wg = w if idx is None else w[:, idx]
            prod = (wg @ designs[g]).astype(np.float64)
            s1, s2, tot = prod[:, :n_metrics], prod[:, n_metrics: 2 * n_metrics], prod[:, 2 * n_metrics:]
            with np.errstate(invalid="ignore", divide="ignore"):
                shift = s1 / tot
                var = np.maximum(s2 - tot * shift**2, 0.0) / (tot - 1.0)
                se_b = np.sqrt(var / tot)
                t = np.where(se_b > _TINY * np.maximum(1.0, np.abs(shift)), shift / se_b,
                             np.where(np.abs(shift) <= _TINY, 0.0, np.sign(shift) * np.inf))
            tstar[row: row + rows, g] = np.where(tot >= 2.0, t, np.nan)
        row += rows


def test_resampled_t_is_bit_for_bit_that_of_a_product_per_cohort():
    rng = np.random.default_rng(11)
    n, m, b = 1500, 3, 3000  # 3000 resamples: blocks of 1398 rows and a shorter last one
    x = np.round(rng.random((n, m)) - 0.4, 3)
    topic, kind = rng.integers(0, 7, n), rng.integers(0, 3, n)  # two keys: overlapping cohorts
    groups = [None, *(np.flatnonzero(topic == t) for t in range(7)), *(np.flatnonzero(kind == k) for k in range(3)),
              np.zeros(0, dtype=np.int64)]
    designs = []
    for idx in groups:
        v = x if idx is None else x[idx]
        c = v - (v.mean(axis=0) if len(v) else 0.0)
        designs.append(np.hstack([c, c**2, np.ones_like(c)]).astype(np.float32))
    fast = np.full((b, len(groups), m), np.nan, dtype=np.float32)
    plain = fast.copy()
    with one_blas_thread():
        _resample_t(fast, x, designs, groups, b, 0)
        _resample_t_plain(plain, x, designs, groups, b, 0)
    np.testing.assert_array_equal(fast, plain)
