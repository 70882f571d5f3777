"""Calibration of the abstention threshold (core/calibration.py): the rule, the cross-validated
margin, the intervals, checked on seeded simulations."""

from __future__ import annotations

import random

import pytest
from scipy.stats import binomtest

from shipcall.core.calibration import Scored, calibrate, counts, folds_of, lowest_threshold, tradeoff, wilson


def simulate(n_ans: int, n_un: int, seed: int, gap: float = 0.25) -> list[Scored]:
    """Answerable items score higher on average than unanswerable ones, with overlap."""
    rng = random.Random(seed)
    items = [Scored(True, round(min(1.0, max(0.0, rng.gauss(0.5 + gap, 0.18))), 6)) for _ in range(n_ans)]
    items += [Scored(False, round(min(1.0, max(0.0, rng.gauss(0.5 - gap, 0.18))), 6)) for _ in range(n_un)]
    rng.shuffle(items)
    return items


def test_the_lowest_threshold_that_keeps_false_answers_under_the_limit() -> None:
    items = [Scored(False, s) for s in (0.9, 0.6, 0.5, 0.4, 0.1)] + [Scored(True, s) for s in (0.95, 0.7, 0.55, 0.3)]
    t = lowest_threshold(items, 0.2)  # one false answer of five allowed: answer only above 0.6
    assert t == 0.7
    fa, un, ref, an = counts(items, t)
    assert (fa, un, ref, an) == (1, 5, 2, 4)
    assert lowest_threshold(items, 1.0) == 0.0
    assert lowest_threshold(items, 0.0) == 0.95  # above every unanswerable item
    assert lowest_threshold([Scored(True, 0.4)], 0.1) == 0.0  # no unanswerable item: never refuse


def test_folds_are_stratified_and_seeded() -> None:
    items = simulate(50, 20, seed=1)
    folds = folds_of(items, 5, seed=7)
    assert sorted(i for f in folds for i in f) == list(range(len(items)))
    for f in folds:
        assert sum(1 for i in f if not items[i].answerable) == 4
    assert folds == folds_of(items, 5, seed=7) and folds != folds_of(items, 5, seed=8)


def test_wilson_interval_matches_scipy() -> None:
    r = wilson(8, 32)
    ci = binomtest(8, 32).proportion_ci(method="wilson")
    assert (r.low, r.high) == pytest.approx((ci.low, ci.high)) and r.rate == 0.25
    assert wilson(0, 0).rate == 0.0 and (wilson(0, 0).low, wilson(0, 0).high) == (0.0, 1.0)


@pytest.mark.slow
def test_cross_validation_holds_the_limit_on_new_questions() -> None:
    """Calibrated on one draw, the threshold keeps false answers near the limit on fresh draws
    from the same distribution: across 40 seeded repetitions, the mean rate on new questions is
    within the limit plus simulation noise, and the cross-validated estimate is not optimistic."""
    fresh_rates, cv_rates = [], []
    for seed in range(40):
        cal = calibrate(simulate(150, 40, seed), 0.2, folds=5, seed=seed)
        fresh = simulate(1500, 1500, seed + 1000)
        fa, un, _, _ = counts(fresh, cal.threshold)
        fresh_rates.append(fa / un)
        cv_rates.append(cal.cv_false_answers.rate)
        assert cal.cv_false_answers.rate <= 0.2 + 1e-9 or cal.margin == pytest.approx(0.2)
    mean_fresh = sum(fresh_rates) / len(fresh_rates)
    assert mean_fresh <= 0.2 + 0.03
    assert sum(cv_rates) / len(cv_rates) >= mean_fresh - 0.05


def test_the_curve_has_the_chosen_threshold_and_falls_monotonically() -> None:
    items = simulate(100, 30, seed=3)
    cal = calibrate(items, 0.25, folds=5, seed=0)
    ts = [p.threshold for p in cal.curve]
    assert cal.threshold in ts and ts == sorted(ts) and ts[0] == 0.0 and ts[-1] == 1.0
    far = [p.false_answers.rate for p in cal.curve]
    orr = [p.refusals.rate for p in cal.curve]
    assert far == sorted(far, reverse=True) and orr == sorted(orr)
    assert all(p.false_answers.low <= p.false_answers.rate <= p.false_answers.high for p in cal.curve)
    assert [p.threshold for p in tradeoff(items, 0.5, points=3)] == [0.0, 0.5, 1.0]
