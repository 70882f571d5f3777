"""Statistics: corrections, paired tests, power and the Poisson bootstrap, against hand-computed
values, SciPy references and seeded simulations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest, false_discovery_control, ttest_rel

from shipcall.core.stats import (
    adjust,
    bh,
    bootstrap_p_value,
    detection_power,
    holm,
    items_needed,
    iter_poisson_weights,
    mcnemar_exact,
    mcnemar_exact_p,
    paired_bootstrap,
    paired_t,
    paired_t_p,
    poisson_weights,
    sigma_d_binary,
)

# Measured figures, printed at the end of the module so they can be quoted.
STATS_FIGURES: dict[str, float] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_figures():
    yield
    for key, value in STATS_FIGURES.items():
        print(f"[stats] {key}: {value:.4f}")


# --- corrections -------------------------------------------------------------------------------

def test_holm_hand_computed():
    # sorted: 0.005, 0.01, 0.03, 0.04 → ×4, ×3, ×2, ×1 = 0.02, 0.03, 0.06, 0.04 → running max
    p = [0.01, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(holm(p), [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_keeps_order():
    np.testing.assert_allclose(holm([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_allclose(holm([0.2]), [0.2])
    assert holm([]).size == 0


def test_bh_hand_computed():
    # sorted: 0.005, 0.01, 0.03, 0.04 → 4p/j = 0.02, 0.02, 0.04, 0.04 → running min from the top
    p = [0.01, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(bh(p), [0.02, 0.04, 0.04, 0.02])


def test_bh_matches_scipy_false_discovery_control():
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 50, 300):
        p = np.concatenate([rng.uniform(0, 1, size), rng.uniform(0, 0.01, size // 3)])
        p[: size // 4] = p[0]  # ties
        np.testing.assert_allclose(bh(p), false_discovery_control(p, method="bh"), rtol=1e-12)


@pytest.mark.parametrize("method", ["holm", "bh"])
def test_adjusted_p_values_are_monotone_capped_and_not_below_raw(method):
    rng = np.random.default_rng(11)
    p = rng.uniform(0, 0.2, 200) ** 2
    adj = adjust(p, method)
    order = np.argsort(p)
    assert np.all(np.diff(adj[order]) >= -1e-15)
    assert np.all(adj >= p - 1e-15) and np.all(adj <= 1.0)
    assert np.all(holm(p) >= bh(p) - 1e-15)  # Holm is never less strict than BH


def test_adjust_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown correction"):
        adjust([0.1], "bonferroni")


# --- paired tests ------------------------------------------------------------------------------

def test_mcnemar_hand_computed():
    # 1 pair went 1→0, 9 went 0→1: p = 2·(C(10,0)+C(10,1))/2^10 = 22/1024
    baseline = [1] + [0] * 9 + [1] * 5 + [0] * 5
    candidate = [0] + [1] * 9 + [1] * 5 + [0] * 5
    result = mcnemar_exact(baseline, candidate)
    assert result.test == "mcnemar_exact"
    assert result.p_value == pytest.approx(22 / 1024, rel=1e-12)
    assert result.p_value == pytest.approx(binomtest(9, 10, 0.5).pvalue, rel=1e-12)


def test_mcnemar_matches_binomtest_on_discordant_pairs():
    for b in range(0, 25):
        for c in range(0, 25):
            expected = 1.0 if b + c == 0 else binomtest(c, b + c, 0.5).pvalue
            assert float(mcnemar_exact_p(b, c)) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_mcnemar_resolves_p_values_far_below_alpha_over_family():
    assert float(mcnemar_exact_p(0, 40)) < 1e-11


def test_paired_t_matches_scipy_ttest_rel():
    rng = np.random.default_rng(5)
    for n in (2, 3, 10, 80, 500):
        a = rng.uniform(0, 1, n)
        b = np.clip(a + rng.normal(0.03, 0.2, n), 0, 1)
        ours = paired_t(b - a)
        ref = ttest_rel(b, a)
        assert ours.test == "paired_t"
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        assert ours.statistic == pytest.approx(ref.statistic, rel=1e-9)


def test_paired_t_degenerate_cases_without_nan():
    assert paired_t(np.zeros(10)).p_value == 1.0
    assert paired_t(np.full(10, 0.1)).p_value == 0.0
    one = paired_t([0.3])
    assert one.p_value == 1.0 and one.test == "none"
    p = paired_t_p([0, 1, 5, 5], [0.0, 0.2, 0.0, 0.1], [0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(p, [1.0, 1.0, 1.0, 0.0])


# --- power -------------------------------------------------------------------------------------

def test_items_needed_hand_computed():
    # (z(0.975) + z(0.8))·σ/δ = (1.959964 + 0.841621)·0.15/0.02 = 21.0119 → n = 441.5 → 442
    assert items_needed(0.15, 0.02, alpha=0.05) == 442
    # A corrected alpha needs more items: z(1 − 0.05/54) = 3.11302 → (3.95464·7.5)² = 879.7 → 880
    assert items_needed(0.15, 0.02, alpha=0.05 / 27) == 880
    assert items_needed(0.0, 0.02, alpha=0.05) == 2
    assert items_needed(0.15, 0.0, alpha=0.05) is None


def test_binary_sigma_formula():
    # σ_d² = p01 + p10 − (p01 − p10)² = 0.15 − 0.0025
    assert sigma_d_binary(0.10, 0.05) == pytest.approx(math.sqrt(0.1475))
    rng = np.random.default_rng(2)
    d = rng.choice([-1.0, 0.0, 1.0], p=[0.05, 0.85, 0.10], size=200_000)
    assert sigma_d_binary(float(np.mean(d == 1)), float(np.mean(d == -1))) == pytest.approx(d.std(), rel=1e-9)


@pytest.mark.parametrize("alpha", [0.05, 0.05 / 24])
def test_power_formula_gives_about_80_percent_detection(alpha):
    sigma, delta = 0.15, 0.04
    n = items_needed(sigma, delta, alpha=alpha)
    assert n is not None
    assert detection_power(n, sigma, delta, alpha=alpha) == pytest.approx(0.8, abs=0.01)
    rng = np.random.default_rng(42)
    sims = 4000
    diffs = rng.normal(-delta, sigma, size=(sims, n))
    p = paired_t_p(n, diffs.mean(axis=1), diffs.std(axis=1, ddof=1))
    power = float(np.mean(p < alpha))
    STATS_FIGURES[f"power at n={n} (alpha={alpha:.5f}, target 0.80)"] = power
    assert 0.77 <= power <= 0.84


# --- bootstrap ---------------------------------------------------------------------------------

def test_poisson_weights_have_poisson_moments_and_are_seeded():
    w = poisson_weights(2000, 500, seed=7)
    assert w.shape == (2000, 500) and w.dtype == np.float32
    assert w.mean() == pytest.approx(1.0, abs=0.005)
    assert w.var() == pytest.approx(1.0, abs=0.01)
    assert np.mean(w == 0) == pytest.approx(math.exp(-1), abs=0.003)
    np.testing.assert_array_equal(w, poisson_weights(2000, 500, seed=7))
    assert not np.array_equal(w, poisson_weights(2000, 500, seed=8))
    np.testing.assert_array_equal(np.vstack(list(iter_poisson_weights(2000, 500, seed=7))), w)


def test_bootstrap_interval_matches_normal_theory_for_a_mean():
    rng = np.random.default_rng(1)
    d = rng.normal(0.05, 0.2, 400)
    res = paired_bootstrap(d, n_resamples=10_000, seed=0)
    se = d.std(ddof=1) / math.sqrt(d.size)
    assert res.estimate[0, 0] == pytest.approx(d.mean())
    assert res.ci_low[0, 0] == pytest.approx(d.mean() - 1.96 * se, abs=0.15 * se)
    assert res.ci_high[0, 0] == pytest.approx(d.mean() + 1.96 * se, abs=0.15 * se)
    assert res.n[0, 0] == 400


def test_bootstrap_groups_and_missing_values():
    d = np.array([[0.1, np.nan], [0.3, 1.0], [0.2, 0.0], [np.nan, 1.0]])
    groups = [None, np.array([0, 1]), np.array([2, 3])]
    res = paired_bootstrap(d, groups, n_resamples=500, seed=1, keep_resamples=True)
    np.testing.assert_array_equal(res.n, [[3, 3], [2, 1], [1, 2]])
    np.testing.assert_allclose(res.estimate, [[0.2, 2 / 3], [0.2, 1.0], [0.2, 0.5]])
    assert res.resamples is not None and res.resamples.shape == (500, 3, 2)
    assert res.ci_low[2, 0] == pytest.approx(0.2) and res.ci_high[2, 0] == pytest.approx(0.2)


def test_bootstrap_of_zero_differences_is_exactly_zero():
    res = paired_bootstrap(np.zeros((50, 3)), [None, np.arange(10)], n_resamples=1000, seed=0)
    assert np.all(res.ci_low == 0) and np.all(res.ci_high == 0) and np.all(res.p_value == 1)


def test_bootstrap_p_value_resolution_and_centering():
    rng = np.random.default_rng(0)
    r = rng.normal(0.0, 1.0, size=(9999, 1))
    p = bootstrap_p_value(r + 1.96, np.array([1.96]))
    assert p[0] == pytest.approx(0.05, abs=0.01)
    assert bootstrap_p_value(r, np.array([0.0]))[0] == 1.0
    assert bootstrap_p_value(r + 10, np.array([10.0]))[0] == pytest.approx(1 / 10_000)
