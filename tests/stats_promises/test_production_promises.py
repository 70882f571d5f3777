"""Issue 13, promises 1, 2 and 8 and the monitor's projection, as seeded simulations (slow tier)."""

from __future__ import annotations

import numpy as np
import pytest

from shipcall.core.cohorts import Assignment
from shipcall.core.datasets import parse_item
from shipcall.core.drift import measure_drift
from shipcall.core.monitor import Observation, monitor
from shipcall.core.review import Candidate, sample_queue
from shipcall.core.stats.sequential import always_valid_p, log_e_value, project

pytestmark = pytest.mark.slow
CALLS = ("candidate_worse", "candidate_better")


def _canary(rng: np.random.Generator, share: float, wrong_b: float, wrong_c: float, days: int,
            per_day: int = 40) -> list[Observation]:
    """500 logged queries a day, thumbs-down far likelier on wrong answers (the audit's set-up);
    `per_day` reviews a day from the monitoring sample (`--strategy monitor`)."""
    obs: list[Observation] = []
    for day in range(days):
        arm = rng.random(500) < share
        wrong = rng.random(500) < np.where(arm, wrong_c, wrong_b)
        down = rng.random(500) < np.where(wrong, 0.4, 0.03)
        cands = [Candidate(f"d{day}-{k:03d}", "candidate" if arm[k] else "baseline", "topic=a",
                           ("negative_feedback",) if down[k] else ()) for k in range(500)]
        for j, q in enumerate(sample_queue(cands, per_day, strategy="monitor", seed=int(rng.integers(1 << 30)))):
            k = int(q.candidate.request_id.split("-")[1])
            obs.append(Observation(f"{day:03d}-{j:03d}", q.candidate.variant, bool(wrong[k])))
    return obs


@pytest.mark.parametrize("share", [0.05, 0.10, 0.20, 0.50])
def test_promise1_identical_systems_false_alarm_at_most_5pct_at_canary_share(share: float) -> None:
    sims = 200
    rng = np.random.default_rng(int(share * 1000))
    alarms = 0
    for _ in range(sims):
        row = monitor({"wrong_answer": _canary(rng, share, 0.2, 0.2, 10)}).rows[0]
        alarms += row.verdict in CALLS
    print(f"[promise 1] canary share {share:.0%}, identical systems: false alarms {alarms / sims:.3f} "
          "(before: candidate_better in 1.000 at 10%, 0.995 at 20%)")
    assert alarms / sims <= 0.05


def test_promise1_a_candidate_with_30pct_vs_20pct_wrong_is_called_worse_never_better() -> None:
    """10% canary, 40 monitoring reviews a day. Always-valid tests pay for peeking with time: after
    20 days (400 reviews per arm) about a third of canaries are called; after 60 days (1,200 per
    arm) at least 80%. Never `candidate_better` (before: better in 100%, worse in 0%)."""
    sims = 150
    rng = np.random.default_rng(130)
    worse = better = worse20 = 0
    for _ in range(sims):
        obs = _canary(rng, 0.10, 0.2, 0.3, 60)
        row = monitor({"wrong_answer": obs}).rows[0]
        worse += row.verdict == "candidate_worse"
        better += row.verdict == "candidate_better"
        worse20 += monitor({"wrong_answer": obs[: 20 * 40]}).rows[0].verdict == "candidate_worse"
    print(f"[promise 1] 10% canary, 30% vs 20% wrong, 40 reviews a day: candidate_worse {worse20 / sims:.3f} after "
          f"20 days, {worse / sims:.3f} after 60 days; candidate_better {better / sims:.3f} (before: better 1.000)")
    assert better == 0
    assert worse / sims >= 0.8


def _sticky(rng: np.random.Generator, users: int, per_user: int, share: float = 0.2) -> list[Observation]:
    """Identical systems; users differ in how often the system abstains for them (Beta(1.2, 6.8):
    mean 0.15, intra-user correlation 0.11); queries interleaved in time; the arm sticky per user."""
    prop = rng.beta(1.2, 6.8, users)
    cand = rng.random(users) < share
    uid = rng.permutation(np.repeat(np.arange(users), rng.poisson(per_user, users) + 1))
    y = rng.random(uid.size) < prop[uid]
    return [Observation(f"{k:07d}", "candidate" if cand[uid[k]] else "baseline", bool(y[k]), (), f"u{uid[k]}")
            for k in range(uid.size)]


@pytest.mark.parametrize(("users", "per_user"), [(50, 200), (200, 50), (100, 100)])
def test_promise2_sticky_users_false_alarm_at_most_5pct(users: int, per_user: int) -> None:
    sims = 300
    rng = np.random.default_rng(users)
    alarms = 0
    for _ in range(sims):
        alarms += monitor({"abstention": _sticky(rng, users, per_user)}).rows[0].verdict in CALLS
    print(f"[promise 2] {users} users x ~{per_user} queries (ICC 0.11, 20% canary): false alarms "
          f"{alarms / sims:.3f} (before: 0.371 at 50x200, 0.077 at 200x50, 0.201 at 100x100)")
    assert alarms / sims <= 0.05


def test_promise2_sticky_users_still_detects_a_real_difference() -> None:
    """Power check: abstention 0.15 -> 0.25 for the canary's users (100 users x 100 queries)."""
    sims = 100
    rng = np.random.default_rng(7)
    worse = 0
    for _ in range(sims):
        obs = _sticky(rng, 100, 100)
        obs = [Observation(o.at, o.arm, o.outcome or (o.arm == "candidate" and rng.random() < 0.12), (), o.unit)
               for o in obs]
        worse += monitor({"abstention": obs}).rows[0].verdict == "candidate_worse"
    print(f"[promise 2] 100 users x 100 queries, abstention +0.10 on the canary: candidate_worse {worse / sims:.3f}")
    assert worse / sims >= 0.3  # 100 users: a fifth of them in the canary; the users, not the queries, limit it


_ITEMS: dict[int, list] = {}


def _drift_case(rng: np.random.Generator, cohorts: int, queries: int, shift: float = 0.0) -> bool | None:
    items = _ITEMS.setdefault(cohorts, [
        parse_item({"id": f"c{c}-{i}", "question": "q", "answers": ["x"], "tags": {"topic": f"c{c}"}})
        for c in range(cohorts) for i in range(25)])
    p = np.full(cohorts, 1.0 / cohorts)
    if shift:  # move `shift` of the mass from the second half of the cohorts to the first half
        half = cohorts // 2
        p[:half] += shift / half
        p[half:] -= shift / (cohorts - half)
    labels = list(rng.choice([f"c{c}" for c in range(cohorts)], queries, p=p))
    rep = measure_drift("ds", items, labels, [Assignment(tags={"topic": x}, unlike=False) for x in labels],
                        ["topic"], n_resamples=2000, seed=int(rng.integers(1 << 30)))
    return rep.represents


@pytest.mark.parametrize("cohorts", [8, 15])
def test_promise8_drift_false_drifted_at_most_5pct_at_30_50_100_queries(cohorts: int) -> None:
    """The Monte Carlo goodness-of-fit p-value is valid by construction (P(p ≤ alpha) ≤ alpha) and
    the practical-size condition only removes calls; the simulation measures the rate, within
    two Monte Carlo standard errors of 5%."""
    sims = 2000
    for queries in (30, 50, 100):
        rng = np.random.default_rng(cohorts * 1000 + queries)
        drifted = sum(_drift_case(rng, cohorts, queries) is False for _ in range(sims))
        print(f"[promise 8] {cohorts} cohorts, {queries} queries from the dataset's own mix: 'no longer "
              f"represents' {drifted / sims:.3f} (before: 0.791/0.468/0.079 for 8 cohorts, 0.484 for 15 x 100)")
        assert drifted / sims <= 0.05 + 2 * np.sqrt(0.05 * 0.95 / sims)


def test_promise8_drift_power_for_a_realistic_shift_is_reported() -> None:
    """A shift of total variation 0.3 (half the cohorts gain 30 points of share, the others lose
    them), 8 cohorts: the share of cases called drifted, by the number of logged queries."""
    sims = 200
    power = {}
    for queries in (30, 50, 100, 300):
        rng = np.random.default_rng(queries)
        power[queries] = sum(_drift_case(rng, 8, queries, shift=0.3) is False for _ in range(sims)) / sims
    print(f"[promise 8] power to call a TV-0.30 shift over 8 cohorts drifted: {power}")
    assert power[300] >= 0.9 and power[30] <= power[100] <= power[300]


def test_monitor_projection_accuracy_is_as_documented() -> None:
    """After 500 (and 2,000) observations of a 0.10 vs 0.15 canary at share 0.5, how often the
    call comes within the projected number of further queries (docs/statistics.md states it).
    One query per user, so the design effect is 1 and the monitor's counts are the raw counts."""
    steps = 30_000
    for n0 in (500, 2000):
        rng = np.random.default_rng(9 + n0)
        within, within2, ranks_p, ranks_a = 0, 0, [], []
        total = 0
        for _ in range(120):
            arm = rng.random(steps) < 0.5
            y = rng.random(steps) < np.where(arm, 0.15, 0.10)
            nb = np.cumsum(arm).astype(float)
            na = np.arange(1, steps + 1) - nb
            xa, xb = np.cumsum(y & ~arm).astype(float), np.cumsum(y & arm).astype(float)
            le = np.where((na > 0) & (nb > 0), log_e_value(xa, na, xb, nb), -np.inf)
            called = always_valid_p(le) <= 0.05
            if called[n0 - 1]:
                continue
            pr = project(xa[n0 - 1], na[n0 - 1], xb[n0 - 1], nb[n0 - 1], alpha=0.05, tolerance=0.02)
            hit = np.flatnonzero(called[n0 - 1:])
            actual = hit[0] if hit.size else np.inf
            more = np.inf if pr.more is None else pr.more
            total += 1
            within += actual <= more
            within2 += actual <= 2 * more
            if np.isfinite(actual) and np.isfinite(more):
                ranks_p.append(more)
                ranks_a.append(actual)
        rho = np.corrcoef(np.argsort(np.argsort(ranks_p)), np.argsort(np.argsort(ranks_a)))[0, 1]
        print(f"[projection] after {n0} observations ({total} open canaries): called within the projection "
              f"{within / total:.2f}, within twice it {within2 / total:.2f}, rank correlation {rho:.2f}")
        assert within2 / total >= 0.7
