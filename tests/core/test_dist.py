"""Issue 21: core/stats/dist.py returns exactly what scipy.stats returns (it exists only to spare
`compare` the import of scipy.stats), over the arguments the statistics use and their edges."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from shipcall.core.stats import dist

X = np.concatenate([np.linspace(-40, 40, 801), [-np.inf, np.inf, 0.0, -0.0, 1e-300, 37.5, 8.2]])
Q = np.concatenate([np.linspace(0, 1, 1001), [1e-12, 1 - 1e-12, 0.025, 0.975, 0.2, 0.8, 1 - 0.05 / 137]])
DF = [1, 2, 3, 5, 19, 199, 1999]


def same(a: object, b: object) -> None:
    a_, b_ = np.asarray(a), np.asarray(b)
    assert a_.shape == b_.shape
    assert np.array_equal(a_, b_, equal_nan=True), np.flatnonzero(~((a_ == b_) | (np.isnan(a_) & np.isnan(b_))))


def test_normal() -> None:
    same(dist.norm_cdf(X), stats.norm.cdf(X))
    same(dist.norm_sf(X), stats.norm.sf(X))
    same(dist.norm_ppf(Q), stats.norm.ppf(Q))
    same(dist.norm_sf(1.7), stats.norm.sf(1.7))
    assert float(dist.norm_ppf(0.975)) == float(stats.norm.ppf(0.975))


@pytest.mark.parametrize("df", DF)
def test_t_and_chi2(df: int) -> None:
    same(dist.t_sf(X, df), stats.t.sf(X, df))
    same(dist.t_ppf(Q, df), stats.t.ppf(Q, df))
    same(dist.chi2_ppf(Q, df), stats.chi2.ppf(Q, df))
    dfs = np.maximum(np.arange(X.size) % 50, 1)
    same(dist.t_sf(np.abs(X), dfs), stats.t.sf(np.abs(X), dfs))


def test_beta_quantile() -> None:
    for a in (1, 2, 5, 31, 400):
        for b in (1, 3, 17, 1999):
            for q in (0.2, 0.5, 0.8, 0.999):
                assert dist.beta_ppf(q, a, b) == float(stats.beta.ppf(q, a, b))


def test_binomial() -> None:
    for n in (0, 1, 2, 7, 60, 999):
        k = np.arange(-2, n + 3)
        for p in (0.0, 0.5, 0.13, 1.0):
            same(dist.binom_cdf(k, n, p), stats.binom.cdf(k, n, p))
            same(dist.binom_pmf(k, n, p), stats.binom.pmf(k, n, p))
            same(dist.binom_cdf(k + 0.5, n, p), stats.binom.cdf(k + 0.5, n, p))
    b, c = np.array([[0, 3, 10], [5, 0, 2]]), np.array([[4, 3, 0], [9, 1, 2]])
    k, n = np.minimum(b, c), np.maximum(b + c, 1)
    same(dist.binom_cdf(k, n, 0.5), stats.binom.cdf(k, n, 0.5))
    same(dist.binom_cdf(3, 10, 0.5), stats.binom.cdf(3, 10, 0.5))


def test_poisson() -> None:
    k = np.arange(0, 15)
    same(dist.poisson_cdf(k, 1.0), stats.poisson.cdf(k, 1.0))


_LEAN_IMPORT = """
import sys
from shipcall.core.stats import dist
lean = "scipy.special" not in sys.modules and "numpy.f2py" not in sys.modules
args = [0.3, 2.5, -7.0]
before = [float(dist.norm_cdf(x)) for x in args] + [float(dist.t_ppf(0.975, 7)), float(dist.chi2_ppf(0.2, 19)),
          dist.beta_ppf(0.8, 3, 5), float(dist.binom_cdf(3, 10, 0.4)), float(dist.binom_pmf(3, 10, 0.4))]
import scipy.special
from scipy import stats
print(lean, scipy.special._ufuncs is dist.special, scipy.special.ndtr is dist.special.ndtr)
after = [float(stats.norm.cdf(x)) for x in args] + [float(stats.t.ppf(0.975, 7)), float(stats.chi2.ppf(0.2, 19)),
         float(stats.beta.ppf(0.8, 3, 5)), float(stats.binom.cdf(3, 10, 0.4)), float(stats.binom.pmf(3, 10, 0.4))]
print(before == after)
"""


def test_the_ufuncs_load_without_scipy_special_and_it_still_imports_after() -> None:
    """In a fresh process (one thread): dist loads scipy.special's compiled module alone (not the
    package's array-API layer, nor numpy.f2py), and a later full `import scipy.special` and
    scipy.stats use that same module and give the same values."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LEAN_IMPORT], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["True", "True", "True", "True"]
