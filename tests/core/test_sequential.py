"""Seeded simulations of the canary monitor's statistics (core/stats/sequential.py, core/monitor.py).

The claim under test: with no true difference between baseline and candidate, testing after
every new review with the always-valid p-value raises a false alarm in at most alpha of canaries,
while the fixed-sample z-test, run the same way (after every review), raises far more.
"""

from __future__ import annotations

import numpy as np
import pytest

from shipcall.core.monitor import Observation, monitor
from shipcall.core.stats.sequential import (
    always_valid_p,
    difference_cs,
    fixed_sample_p,
    log_e_value,
    project,
    rate_cs,
)

ALPHA = 0.05


def _streams(p_base: float, p_cand: float, share: float, sims: int, steps: int, seed: int) -> tuple[np.ndarray, ...]:
    """Cumulative counts (x_a, n_a, x_b, n_b), sims × steps: one review per step, in arm b
    with probability `share`."""
    rng = np.random.default_rng(seed)
    arm = rng.random((sims, steps)) < share
    y = np.where(arm, rng.random((sims, steps)) < p_cand, rng.random((sims, steps)) < p_base)
    nb = np.cumsum(arm, axis=1)
    na = np.arange(1, steps + 1) - nb
    return np.cumsum(y & ~arm, axis=1), na, np.cumsum(y & arm, axis=1), nb


def _false_alarms(x_a: np.ndarray, n_a: np.ndarray, x_b: np.ndarray, n_b: np.ndarray) -> tuple[float, float]:
    both = (n_a > 0) & (n_b > 0)
    sequential = (always_valid_p(np.where(both, log_e_value(x_a, n_a, x_b, n_b), -np.inf)) <= ALPHA).any(axis=1)
    ready = (n_a >= 5) & (n_b >= 5)  # the naive test gets a burn-in, the sequential one needs none
    naive = ((fixed_sample_p(x_a, n_a, x_b, n_b) <= ALPHA) & ready).any(axis=1)
    return float(sequential.mean()), float(naive.mean())


@pytest.mark.slow  # simulation
@pytest.mark.parametrize(("rate", "share"), [(0.2, 0.5), (0.1, 0.2), (0.5, 0.1)])
def test_looking_after_every_review_keeps_false_alarms_at_alpha_and_naive_peeking_does_not(
        rate: float, share: float) -> None:
    sims, steps = 2000, 1000
    sequential, naive = _false_alarms(*_streams(rate, rate, share, sims, steps, seed=7))
    print(f"\nno true difference, rate {rate}, canary share {share}, {sims} canaries × {steps} reviews, "
          f"a test after every review: false alarms sequential {sequential:.2%}, naive fixed-sample {naive:.2%}")
    assert sequential <= ALPHA
    assert naive > 3 * ALPHA  # optional stopping (Armitage et al., 1969): far above alpha


@pytest.mark.slow  # simulation
def test_a_real_difference_is_found_and_the_projection_is_roughly_right() -> None:
    x_a, n_a, x_b, n_b = _streams(0.15, 0.30, 0.5, sims=400, steps=1500, seed=11)
    p = always_valid_p(log_e_value(x_a, n_a, x_b, n_b))
    called = p <= ALPHA
    power = float(called.any(axis=1).mean())
    stop = np.where(called.any(axis=1), called.argmax(axis=1) + 1, 1500)
    # the projection after 100 reviews, at the rates seen so far, against when the call came
    ratio = []
    for s in range(400):
        i = 99
        pr = project(int(x_a[s, i]), int(n_a[s, i]), int(x_b[s, i]), int(n_b[s, i]), alpha=ALPHA, tolerance=0.02)
        if pr.call == "difference" and pr.more is not None and called[s].any():
            ratio.append((100 + pr.more) / stop[s])
    print(f"\n0.15 vs 0.30: power {power:.1%} within 1500 reviews, median stop {np.median(stop):.0f} reviews; "
          f"projected/actual reviews median {np.median(ratio):.2f} ({len(ratio)} canaries)")
    assert power >= 0.9
    assert 0.33 < float(np.median(ratio)) < 3.0


@pytest.mark.slow  # simulation
def test_confidence_sequences_cover_at_every_time() -> None:
    rng = np.random.default_rng(3)
    for rate in (0.03, 0.3):
        y = rng.random((500, 1000)) < rate
        x, n = np.cumsum(y, axis=1), np.arange(1, 1001)
        lo, hi = rate_cs(x, n, ALPHA)
        ever_missed = float(((lo > rate) | (hi < rate)).any(axis=1).mean())
        assert ever_missed <= ALPHA, (rate, ever_missed)
    lo, hi = difference_cs(200, 1000, 400, 1000, ALPHA)
    assert 0 < lo < 0.2 < hi


def test_e_value_is_exact_at_small_samples_and_symmetric() -> None:
    assert float(log_e_value(0, 0, 0, 0)) == 0.0
    # identical arms carry no evidence of a difference
    assert float(log_e_value(5, 10, 5, 10)) < 0
    a = float(log_e_value(2, 20, 12, 20))
    assert a == pytest.approx(float(log_e_value(12, 20, 2, 20)))
    # by hand: log[B(3, 19) B(13, 9) / ((14/40)^14 (26/40)^26)]
    from math import lgamma, log

    def lbeta(p: float, q: float) -> float:
        return lgamma(p) + lgamma(q) - lgamma(p + q)

    assert a == pytest.approx(lbeta(3, 19) + lbeta(13, 9) - (14 * log(14 / 40) + 26 * log(26 / 40)))


def test_projection_calls() -> None:
    assert project(0, 0, 0, 0, alpha=ALPHA, tolerance=0.05).call == "none"
    clear = project(10, 1000, 300, 1000, alpha=ALPHA, tolerance=0.05)
    assert clear.more == 0 and clear.call == "difference"
    same = project(100, 400, 100, 400, alpha=ALPHA, tolerance=0.05)
    assert same.call == "no_difference" and same.more > 0
    tiny = project(100, 400, 100, 400, alpha=ALPHA, tolerance=1e-4)
    assert tiny.more is None and tiny.call == "none"  # beyond 10 million at a 1e-4 tolerance


def _canary(rng: np.random.Generator, p_base: float, p_cand: float, n: int) -> list[Observation]:
    obs = []
    for i in range(n):
        arm = "candidate" if rng.random() < 0.3 else "baseline"
        cohort = "topic=hr" if rng.random() < 0.5 else "topic=it"
        bad = rng.random() < (p_cand if arm == "candidate" else p_base)
        obs.append(Observation(f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}.000+00:00", arm, bool(bad), (cohort,)))
    return obs


@pytest.mark.slow  # simulation
def test_the_monitor_report_itself_under_no_difference_and_under_a_regression() -> None:
    rng = np.random.default_rng(5)
    alarms = 0
    sims = 150
    for _ in range(sims):
        rep = monitor({"wrong_answer": _canary(rng, 0.2, 0.2, 300)}, alpha=ALPHA, tolerance=0.05)
        alarms += any(r.verdict in ("candidate_worse", "candidate_better") for r in rep.rows)
    assert alarms / sims <= ALPHA  # family-wise, over overall + 2 cohorts, at every look
    rep = monitor({"wrong_answer": _canary(rng, 0.1, 0.45, 600)}, alpha=ALPHA, tolerance=0.05)
    overall = next(r for r in rep.rows if r.cohort is None)
    assert overall.verdict == "candidate_worse" and overall.delta > 0.2 and overall.p_adjusted <= ALPHA
    assert overall.cs_low > 0 and overall.naive_p < overall.p_value
    empty = monitor({"wrong_answer": [Observation("t", "baseline", True)]}, alpha=ALPHA, tolerance=0.05)
    assert empty.rows[0].verdict == "no_data"
