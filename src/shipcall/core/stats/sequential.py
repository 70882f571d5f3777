"""Always-valid comparison of two rates, for watching a canary without peeking.

Testing again after every new observation with a fixed-sample test inflates false alarms far
above alpha (Armitage, McPherson and Rowe, 1969). Everything here is valid at every sample size
at once: the chance that the evidence *ever* crosses the line under the null is at most alpha,
however often one looks and whenever one stops (Ville's inequality for nonnegative
supermartingales; see Ramdas, Grünwald, Vovk and Shafer, "Game-theoretic statistics and safe
anytime-valid inference", Statistical Science 2023).

**The test** of H0: p_a = p_b (two streams of 0/1 outcomes, arms interleaved in any order that
does not look ahead) uses the sequential universal-inference e-process of Wasserman, Ramdas and
Balakrishnan (PNAS 2020, "Universal inference", §7):

    E_n = [∫ p_a^x_a (1-p_a)^(n_a-x_a) dp_a · ∫ p_b^x_b (1-p_b)^(n_b-x_b) dp_b] / max_p p^x (1-p)^(n-x)

with uniform (Beta(1, 1)) mixtures in the numerator — the Bayesian predictive probability of the
data under two separate rates, a product of one-step predictive probabilities — and the null
likelihood maximised at the pooled rate x/n in the denominator. For the true common rate p,
E_n ≤ numerator / L(p), a nonnegative martingale with mean 1, so P(sup_n E_n ≥ 1/alpha) ≤ alpha
exactly, with no normal approximation and no burn-in. The always-valid p-value is
p_n = min(1, 1 / max_{m ≤ n} E_m) (Johari, Koomen, Pekelis and Walsh, "Peeking at A/B tests",
KDD 2017, define always-valid p-values this way).

**Confidence sequences** for each rate: {p : B(1+x, 1+n-x) / (p^x (1-p)^(n-x)) < 1/alpha}, the
Beta(1, 1)-mixture (Robbins, 1970) sequence, valid at all n simultaneously; the difference
p_b − p_a gets the interval of the two sequences at alpha/2 each (a union bound).

**Queries needed**: the projected sample size at which the call becomes clear if the current
rates and the current split between arms persist — the smallest total n at which either the
e-value reaches 1/alpha (a difference) or the difference's confidence sequence fits inside
±tolerance (no difference larger than the tolerance), whichever comes first.

`fixed_sample_p` is the classical pooled two-proportion z-test, here only so that the
simulation tests can show what peeking at it does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import betaln, xlogy

from shipcall.core.stats.dist import norm_sf

MAX_QUERIES = 10_000_000  # projections beyond this are reported as "more than"


def _arr(x: ArrayLike) -> NDArray[np.float64]:
    return np.asarray(x, dtype=np.float64)


def log_e_value(x_a: ArrayLike, n_a: ArrayLike, x_b: ArrayLike, n_b: ArrayLike) -> NDArray[np.float64]:
    """log E_n for H0: p_a = p_b given the counts so far (vectorised; see the module docstring).
    x: events, n: observations per arm. An arm without observations contributes nothing."""
    xa, na, xb, nb = _arr(x_a), _arr(n_a), _arr(x_b), _arr(n_b)
    x, n = xa + xb, na + nb
    mixture = betaln(1.0 + xa, 1.0 + na - xa) + betaln(1.0 + xb, 1.0 + nb - xb)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, x / np.maximum(n, 1.0), 0.5)
        null_max = xlogy(x, p) + xlogy(n - x, 1.0 - p)
    return np.asarray(mixture - null_max, dtype=np.float64)


def always_valid_p(log_e: ArrayLike) -> NDArray[np.float64]:
    """The running always-valid p-value along the last axis: min(1, 1 / max_{m ≤ n} E_m)."""
    running = np.maximum.accumulate(_arr(log_e), axis=-1)
    return np.asarray(np.minimum(1.0, np.exp(-running)), dtype=np.float64)


def fixed_sample_p(x_a: ArrayLike, n_a: ArrayLike, x_b: ArrayLike, n_b: ArrayLike) -> NDArray[np.float64]:
    """Two-sided p-value of the pooled two-proportion z-test (valid only at one fixed, planned n)."""
    xa, na, xb, nb = _arr(x_a), _arr(n_a), _arr(x_b), _arr(n_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (xa + xb) / (na + nb)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
        z = np.where(se > 0, (xb / nb - xa / na) / se, 0.0)
    p = 2.0 * norm_sf(np.abs(z))
    return np.asarray(np.where((na > 0) & (nb > 0), p, 1.0), dtype=np.float64)


def rate_cs(x: ArrayLike, n: ArrayLike, alpha: float, iterations: int = 60) -> tuple[NDArray[np.float64],
                                                                                      NDArray[np.float64]]:
    """The Beta(1, 1)-mixture confidence sequence for a rate at (x events of n): (low, high),
    vectorised; bisection on each side of x/n (the log-likelihood is concave). n = 0 → (0, 1)."""
    xs, ns = np.broadcast_arrays(_arr(x), _arr(n))
    xs, ns = xs.astype(np.float64), ns.astype(np.float64)
    # keep p where log B(1+x, 1+n-x) - loglik(p) < log(1/alpha), i.e. loglik(p) > floor
    floor = betaln(1.0 + xs, 1.0 + ns - xs) - math.log(1.0 / alpha)

    def inside(p: NDArray[np.float64]) -> NDArray[np.bool_]:
        return np.asarray(xlogy(xs, p) + xlogy(ns - xs, 1.0 - p) > floor)

    centre = np.where(ns > 0, xs / np.maximum(ns, 1.0), 0.5)
    lo_out, lo_in = np.zeros_like(centre), centre.copy()
    hi_in, hi_out = centre.copy(), np.ones_like(centre)
    at_zero, at_one = inside(np.zeros_like(centre)), inside(np.ones_like(centre))
    for _ in range(iterations):
        mid = (lo_out + lo_in) / 2.0
        ok = inside(mid)
        lo_in, lo_out = np.where(ok, mid, lo_in), np.where(ok, lo_out, mid)
        mid = (hi_in + hi_out) / 2.0
        ok = inside(mid)
        hi_in, hi_out = np.where(ok, mid, hi_in), np.where(ok, hi_out, mid)
    low = np.where(at_zero | (ns == 0), 0.0, lo_in)
    high = np.where(at_one | (ns == 0), 1.0, hi_in)
    return low, high


def difference_cs(x_a: float, n_a: float, x_b: float, n_b: float, alpha: float) -> tuple[float, float]:
    """A confidence sequence for p_b − p_a: the per-arm sequences at alpha/2 each, subtracted."""
    (la, ha), (lb, hb) = rate_cs(x_a, n_a, alpha / 2), rate_cs(x_b, n_b, alpha / 2)
    return float(lb - ha), float(hb - la)


@dataclass(frozen=True)
class Projection:
    """How many more observations (both arms together, at the current split) until the call is
    clear at the current rates, and which call that would be. `more` None: not within
    MAX_QUERIES (say "more than")."""

    more: int | None
    call: str  # "difference" | "no_difference" | "none"


def project(x_a: int, n_a: int, x_b: int, n_b: int, *, alpha: float, tolerance: float,
            min_share: float = 0.05) -> Projection:
    """Queries needed at the current rates (see the module docstring). With no observations in
    an arm yet, its share is taken as `min_share` and its rate as the other arm's. Evaluated on
    a geometric grid of totals (vectorised), then refined between the last two grid points."""
    n = n_a + n_b
    if n == 0:
        return Projection(None, "none")
    pa = x_a / n_a if n_a else (x_b / n_b)
    pb = x_b / n_b if n_b else pa
    share_b = min(max(n_b / n, min_share), 1 - min_share)
    target = math.log(1.0 / alpha)

    def calls(totals: NDArray[np.float64]) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
        nb_ = totals * share_b
        na_ = totals - nb_
        diff = log_e_value(pa * na_, na_, pb * nb_, nb_) >= target if pa != pb else np.zeros(totals.shape, bool)
        (la, ha), (lb, hb) = rate_cs(pa * na_, na_, alpha / 2), rate_cs(pb * nb_, nb_, alpha / 2)
        same = (-tolerance < lb - ha) & (hb - la < tolerance)
        return diff, same

    def first(totals: NDArray[np.float64]) -> tuple[int | None, str]:
        diff, same = calls(totals)
        hit = diff | same
        if not hit.any():
            return None, "none"
        i = int(np.argmax(hit))
        return i, "difference" if diff[i] else "no_difference"

    grid = np.unique(np.ceil(n * np.geomspace(1.0, MAX_QUERIES / n, 80)).astype(np.float64)) if n < MAX_QUERIES \
        else np.array([float(n)])
    i, call = first(grid)
    if i is None:
        return Projection(None, "none")
    if i == 0:
        return Projection(0, call)
    fine = np.unique(np.ceil(np.linspace(grid[i - 1], grid[i], 64)))
    j, call = first(fine)
    total = fine[j] if j is not None else grid[i]
    return Projection(int(total - n), call)
