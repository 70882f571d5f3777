"""Monitoring a canary: an always-valid comparison of the baseline's and the candidate's rates
of bad outcomes, overall and per cohort, from the production log. Pure: no I/O.

Three rates, each a stream of 0/1 outcomes in time order, per arm (baseline, candidate):

| rate | one observation | outcome 1 |
|---|---|---|
| `wrong_answer` | a reviewed query (its first review) | judged incorrect or should-have-abstained |
| `abstention` | a logged query | the system abstained |
| `thumbs_down` | a rated query (its latest rating) | thumbs-down |

Every row (rate × overall or cohort) gets the e-value and always-valid p-value of
core/stats/sequential.py computed along its whole stream (so the p-value is the smallest it has
ever been: looking after every observation is allowed), Holm-adjusted over every row with data
(Holm on always-valid p-values keeps the family-wise error at alpha at any stopping time), and a
confidence sequence for the difference candidate − baseline at level alpha / rows. Calls:

- `candidate_worse` / `candidate_better`: adjusted p ≤ alpha, by the sign of the difference;
- `no_difference`: the confidence sequence lies inside ±tolerance;
- `continue`: neither yet — with the queries needed at the current rates and split (both arms
  together; `more` None: beyond 10 million);
- `no_data`: an arm has no observation.

**Like with like.** Each arm's rate must be an unbiased estimate of that arm's production rate.
The failure-hunting review queue (stratified, flagged queries first, equal numbers per arm) is
not: the baseline's large pool supplies mostly thumbs-down queries, a small canary's does not,
so identical systems look different. `wrong_answer` is therefore computed only from reviews of
queries drawn uniformly at random within their arm (`review sample --strategy monitor`, or
`--strategy random`); the caller leaves the other reviews out and says how many.

**Users are the unit.** The canary is sticky per user, so one user's queries are correlated
(some users ask what the system cannot answer). Treating them as independent makes the test
fire far too often (the audit: 7.7–37% false alarms with 50–200 heavy users). Each arm's
counts are divided by its design effect before they enter the e-process — the first-order
correction of Rao and Scott for clustered binary data (Rao and Scott, 1992, "A simple method for
the analysis of clustered binary data", Biometrics 48:577–585; Kish, 1965, for the design
effect): deff = (cluster-robust variance of the arm's rate, users as clusters, with the
U/(U − 1) small-sample factor) / (binomial variance), at least 1, recomputed at every
observation from the per-user counts so far. An observation without a user is its own cluster;
with one query per user deff is 1 and the test is the exact one above. The seeded simulations in
tests/stats_promises check the false-alarm rate with 50 users × 200 queries and 200 × 50.

**Queries needed** is projected on the design-effect-adjusted counts and scaled back to
queries; in the seeded simulation it is a rough guide (docs/statistics.md states how rough).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shipcall.core.stats.corrections import holm
from shipcall.core.stats.sequential import (
    always_valid_p,
    difference_cs,
    fixed_sample_p,
    log_e_value,
    project,
)

RATES: dict[str, tuple[str, str]] = {
    "wrong_answer": ("reviewed queries", "share of reviewed queries judged incorrect or should-have-abstained"),
    "abstention": ("logged queries", "share of logged queries the system abstained on"),
    "thumbs_down": ("rated queries", "share of rated queries given a thumbs-down"),
}


@dataclass(frozen=True)
class Observation:
    at: str
    arm: str  # baseline | candidate
    outcome: bool
    cohorts: tuple[str, ...] = ()
    unit: str | None = None  # the user (pseudonym); None: the observation is its own unit


@dataclass(frozen=True)
class MonitorRow:
    rate: str
    cohort: str | None
    unit: str
    n_baseline: int
    n_candidate: int
    x_baseline: int
    x_candidate: int
    delta: float | None
    cs_low: float | None
    cs_high: float | None
    log_e: float
    p_value: float
    p_adjusted: float
    naive_p: float
    verdict: str
    queries_needed: int | None
    needed_for: str
    deff_baseline: float = 1.0
    deff_candidate: float = 1.0
    users_baseline: int = 0
    users_candidate: int = 0

    @property
    def baseline_rate(self) -> float | None:
        return self.x_baseline / self.n_baseline if self.n_baseline else None

    @property
    def candidate_rate(self) -> float | None:
        return self.x_candidate / self.n_candidate if self.n_candidate else None

    def to_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return None if x is None else round(float(x), 6)

        return {"rate": self.rate, "cohort": self.cohort, "unit": self.unit,
                "baseline": {"n": self.n_baseline, "events": self.x_baseline, "rate": r(self.baseline_rate)},
                "candidate": {"n": self.n_candidate, "events": self.x_candidate, "rate": r(self.candidate_rate)},
                "delta": r(self.delta), "cs_low": r(self.cs_low), "cs_high": r(self.cs_high),
                "e_value": r(float(np.exp(min(self.log_e, 700.0)))), "p_value": r(self.p_value),
                "p_adjusted": r(self.p_adjusted), "fixed_sample_p_do_not_peek": r(self.naive_p),
                "verdict": self.verdict, "queries_needed": self.queries_needed, "needed_for": self.needed_for,
                "design_effect": {"baseline": r(self.deff_baseline), "candidate": r(self.deff_candidate)},
                "users": {"baseline": self.users_baseline, "candidate": self.users_candidate}}


@dataclass
class MonitorReport:
    rows: list[MonitorRow]
    alpha: float
    tolerance: float
    baseline: str | None
    candidate: str | None
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta, "baseline": self.baseline, "candidate": self.candidate, "alpha": self.alpha,
                "tolerance": self.tolerance, "correction": "holm", "method": "always-valid e-process "
                "(universal inference, Beta(1,1) mixture) on counts divided by each arm's design effect "
                "(Rao-Scott, users as clusters); confidence sequences at alpha / rows",
                "rows": [r.to_dict() for r in self.rows], "notes": self.notes}


def _stream(obs: Sequence[Observation]) -> tuple[np.ndarray, ...]:
    """Cumulative (events, observations) per arm, each divided by the arm's design effect at that
    time (module docstring), and the design effects and user counts at the end."""
    arm = np.array([o.arm == "candidate" for o in obs], dtype=bool)
    y = np.array([o.outcome for o in obs], dtype=np.float64)
    units = [o.unit if o.unit is not None else f"\0{k}" for k, o in enumerate(obs)]
    _, uid = np.unique(np.array([f"{int(a)}\0{u}" for a, u in zip(arm, units, strict=True)]), return_inverse=True)
    order = np.argsort(uid, kind="stable")
    # each observation's user's counts before it (a running count within each user)
    xs, ns = np.empty(len(obs)), np.empty(len(obs))
    su, sy = uid[order], y[order]
    start = np.r_[0, np.flatnonzero(np.diff(su)) + 1]
    cy = np.cumsum(sy)
    base_y = np.repeat(np.r_[0.0, cy][start], np.diff(np.r_[start, len(su)]))
    pos = np.arange(len(su)) - np.repeat(start, np.diff(np.r_[start, len(su)]))
    xs[order], ns[order] = (cy - sy) - base_y, pos.astype(np.float64)
    d_xx, d_nn = 2.0 * xs * y + y, 2.0 * ns + 1.0
    d_xn, d_u = xs + y * ns + y, (ns == 0).astype(np.float64)
    out = []
    for mask in (~arm, arm):
        m = mask.astype(np.float64)
        x, n = np.cumsum(y * m), np.cumsum(m)
        sxx, snn, sxn, users = (np.cumsum(v * m) for v in (d_xx, d_nn, d_xn, d_u))
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(n > 0, x / n, 0.0)
            small = users / np.maximum(users - 1.0, 1.0)  # the U / (U - 1) small-sample factor
            robust = (sxx - 2.0 * p * sxn + p * p * snn) / np.maximum(n, 1.0) ** 2 * small
            binomial = p * (1.0 - p) / np.maximum(n, 1.0)
            deff = np.where((binomial > 0) & (users >= 2), robust / binomial,
                            np.where(users >= 2, 1.0, np.maximum(n, 1.0)))
        deff = np.clip(np.nan_to_num(deff, nan=1.0), 1.0, np.maximum(snn / np.maximum(n, 1.0), 1.0))
        out.append((x / deff, n / deff, deff, users))
    (xa, na, da, ua), (xb, nb, db, ub) = out
    raw_na = np.cumsum(~arm)
    raw_nb = np.cumsum(arm)
    na = np.where(raw_na > 0, na, 0.0)
    nb = np.where(raw_nb > 0, nb, 0.0)
    return xa, na, xb, nb, da, db, ua, ub


def monitor(observations: Mapping[str, Sequence[Observation]], *, alpha: float = 0.05, tolerance: float = 0.02,
            baseline: str | None = None, candidate: str | None = None) -> MonitorReport:
    """Rows for every rate × (overall, each cohort seen); see the module docstring."""
    raw: list[dict[str, Any]] = []
    for rate, obs in observations.items():
        ordered = sorted(obs, key=lambda o: o.at)
        groups: dict[str | None, list[Observation]] = {None: ordered}
        for o in ordered:
            for c in o.cohorts:
                groups.setdefault(c, []).append(o)
        for cohort in [None, *sorted(c for c in groups if c is not None)]:
            g = groups[cohort]
            n_a = sum(o.arm != "candidate" for o in g)
            n_b = len(g) - n_a
            x_a = sum(o.outcome for o in g if o.arm != "candidate")
            x_b = sum(o.outcome for o in g if o.arm == "candidate")
            eff = (0.0, 0.0, 0.0, 0.0)
            deffs, users = (1.0, 1.0), (0, 0)
            if g and n_a and n_b:
                xa, na, xb, nb, da, db, ua, ub = _stream(g)
                le = log_e_value(xa, na, xb, nb)
                le = np.where((na > 0) & (nb > 0), le, -np.inf)
                p = float(always_valid_p(le)[-1])
                log_e = float(le[-1])
                eff = (float(xa[-1]), float(na[-1]), float(xb[-1]), float(nb[-1]))
                naive = float(fixed_sample_p(*eff))
                deffs, users = (float(da[-1]), float(db[-1])), (int(ua[-1]), int(ub[-1]))
            else:
                p, log_e, naive = 1.0, 0.0, 1.0
            raw.append({"rate": rate, "cohort": cohort, "n_a": n_a, "n_b": n_b, "x_a": x_a, "x_b": x_b,
                        "p": p, "log_e": log_e, "naive": naive, "eff": eff, "deff": deffs, "users": users})
    with_data = [i for i, r in enumerate(raw) if r["n_a"] and r["n_b"]]
    m = max(1, len(with_data))
    adjusted = np.ones(len(raw))
    if with_data:
        adjusted[with_data] = holm(np.array([raw[i]["p"] for i in with_data]))
    level = alpha / m
    rows: list[MonitorRow] = []
    for r, p_adj in zip(raw, adjusted, strict=True):
        n_a, n_b, x_a, x_b = r["n_a"], r["n_b"], r["x_a"], r["x_b"]
        unit = RATES.get(r["rate"], ("observations", ""))[0]
        if not (n_a and n_b):
            proj = project(x_a, n_a, x_b, n_b, alpha=level, tolerance=tolerance) if n_a + n_b else None
            rows.append(MonitorRow(r["rate"], r["cohort"], unit, n_a, n_b, x_a, x_b, None, None, None, 0.0, 1.0, 1.0,
                                   1.0, "no_data", proj.more if proj else None, proj.call if proj else "none"))
            continue
        delta = x_b / n_b - x_a / n_a
        ex_a, en_a, ex_b, en_b = r["eff"]
        lo, hi = difference_cs(ex_a, en_a, ex_b, en_b, level)
        more: int | None
        if p_adj <= alpha:
            verdict = "candidate_worse" if delta > 0 else "candidate_better"
            more, call = 0, "difference"
        elif -tolerance < lo and hi < tolerance:
            verdict, more, call = "no_difference", 0, "no_difference"
        else:
            proj = project(ex_a, en_a, ex_b, en_b, alpha=level, tolerance=tolerance)
            scale = (n_a + n_b) / max(en_a + en_b, 1e-9)  # effective observations back to queries
            more = None if proj.more is None else int(np.ceil(proj.more * scale))
            verdict, call = "continue", proj.call
        rows.append(MonitorRow(r["rate"], r["cohort"], unit, n_a, n_b, x_a, x_b, delta, lo, hi, r["log_e"], r["p"],
                               float(p_adj), r["naive"], verdict, more, call, r["deff"][0], r["deff"][1],
                               r["users"][0], r["users"][1]))
    return MonitorReport(rows, alpha, tolerance, baseline, candidate)
