"""The probability functions the statistics need, taken from scipy.special's compiled ufuncs.

Why not scipy.stats: importing it costs about half a second of CPU (it builds every distribution
and parses their docstrings), half of what a whole `shipcall compare` may take; its standard
normal, t, chi², beta, binomial and Poisson distributions are thin wrappers over these
scipy.special functions (scipy/stats/_continuous_distns.py and _discrete_distns.py). For the
arguments used here (valid parameters, unit scale, no shift) each function below returns exactly
what its scipy.stats counterpart returns: tests/core/test_dist.py checks it value for value.

Why not `from scipy import special` either: the package's __init__ also sets up its array-API
layer (scipy._lib._array_api), which clones the numpy namespace attribute by attribute and so
imports every lazily loaded numpy submodule, numpy.f2py among them (and through it
charset_normalizer): about 0.2 s of CPU under NumPy 2.4, a fifth of a `compare`, for nothing the
statistics use. The functions themselves are the ufuncs of the compiled module
scipy.special._ufuncs (scipy.special.ndtr and the others are those very objects), which loads in
about 0.02 s: `_ufuncs()` below loads it alone (tests/core/test_dist.py checks that it is the
module a full `import scipy.special` then uses, and that scipy.special and scipy.stats still work
after it).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


def _ufuncs() -> ModuleType:
    """scipy.special._ufuncs, without running scipy.special's __init__ when that is safe.

    Importing a submodule runs its package's __init__ first, so the package is registered for the
    moment of the import as a module object whose __init__ has not run (its spec and path are
    the real ones: the compiled submodules it pulls in are found as usual), then removed again.
    The compiled modules stay registered: a later `import scipy.special` runs the real __init__,
    whose `from . import _ufuncs` takes this same module (a compiled module is initialised once
    per process anyway). Done only while scipy.special is not imported yet and no other thread
    runs (no other import could see the bare package); otherwise, and if anything fails (another
    SciPy layout), the plain import."""
    if "scipy.special" not in sys.modules and threading.active_count() == 1:
        try:
            import scipy

            spec = importlib.util.find_spec("scipy.special")
            if spec is not None and spec.submodule_search_locations is not None:
                bare = importlib.util.module_from_spec(spec)
                sys.modules["scipy.special"] = bare
                try:
                    return importlib.import_module("scipy.special._ufuncs")
                finally:
                    if sys.modules.get("scipy.special") is bare:
                        del sys.modules["scipy.special"]
                    if vars(scipy).get("special") is bare:
                        delattr(scipy, "special")
        except Exception:  # pragma: no cover - another SciPy layout: the plain import below
            pass
    from scipy.special import _ufuncs

    return _ufuncs


special = _ufuncs()
# the Boost-based binomial and beta quantile scipy.stats has used since SciPy 1.12
_beta_ppf = getattr(special, "_beta_ppf", None)
_binom_cdf = getattr(special, "_binom_cdf", None)
_binom_pmf = getattr(special, "_binom_pmf", None)


def norm_cdf(x: ArrayLike) -> Any:
    """scipy.stats.norm.cdf."""
    return special.ndtr(x)


def norm_sf(x: ArrayLike) -> Any:
    """scipy.stats.norm.sf: the cdf at −x."""
    return special.ndtr(-np.asarray(x, dtype=np.float64))


def norm_ppf(q: ArrayLike) -> Any:
    """scipy.stats.norm.ppf."""
    return special.ndtri(q)


def t_sf(x: ArrayLike, df: ArrayLike) -> Any:
    """scipy.stats.t.sf."""
    return special.stdtr(df, -np.asarray(x, dtype=np.float64))


def t_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """scipy.stats.t.ppf (−inf at q = 0, where stdtrit gives +inf)."""
    q_ = np.asarray(q, dtype=np.float64)
    out = np.where(q_ == 0, -np.inf, special.stdtrit(df, q_))
    return out[()] if out.ndim == 0 else out


def chi2_ppf(q: ArrayLike, df: ArrayLike) -> Any:
    """scipy.stats.chi2.ppf."""
    return 2 * special.gammaincinv(np.asarray(df) / 2, q)


def beta_ppf(q: float, a: float, b: float) -> float:
    """scipy.stats.beta.ppf for 0 < q < 1 and a, b > 0."""
    if _beta_ppf is None:  # pragma: no cover
        from scipy.stats import beta

        return float(beta.ppf(q, a, b))
    return float(_beta_ppf(q, a, b))


def binom_cdf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """scipy.stats.binom.cdf for whole n ≥ 0 and 0 ≤ p ≤ 1: 0 below the support, 1 from n on."""
    if _binom_cdf is None:  # pragma: no cover
        from scipy.stats import binom

        return binom.cdf(k, n, p)
    k_, n_, p_ = np.broadcast_arrays(np.asarray(k), np.asarray(n), np.asarray(p))
    inside = (k_ >= 0) & (k_ < n_) & np.isfinite(k_)
    out = np.where(k_ >= n_, 1.0, 0.0)
    if inside.any():
        out[inside] = np.clip(_binom_cdf(np.floor(k_[inside]), n_[inside], p_[inside]), 0, 1)
    return out[()] if out.ndim == 0 else out


def binom_pmf(k: ArrayLike, n: ArrayLike, p: ArrayLike) -> Any:
    """scipy.stats.binom.pmf for whole n ≥ 0 and 0 ≤ p ≤ 1: 0 off the support."""
    if _binom_pmf is None:  # pragma: no cover
        from scipy.stats import binom

        return binom.pmf(k, n, p)
    k_, n_, p_ = np.broadcast_arrays(np.asarray(k), np.asarray(n), np.asarray(p))
    inside = (k_ >= 0) & (k_ <= n_) & (np.floor(k_) == k_)
    out = np.zeros(k_.shape)
    if inside.any():
        out[inside] = np.clip(_binom_pmf(k_[inside], n_[inside], p_[inside]), 0, 1)
    return out[()] if out.ndim == 0 else out


def poisson_cdf(k: ArrayLike, mu: float) -> Any:
    """scipy.stats.poisson.cdf for k ≥ 0."""
    return np.clip(special.pdtr(np.floor(np.asarray(k, dtype=np.float64)), mu), 0, 1)
