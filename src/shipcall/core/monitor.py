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

Reviewed queries from a stratified review queue over-represent failures in both arms alike;
their rates are comparable between arms, not estimates of production rates (sample with
`--strategy random` for those).
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
                "verdict": self.verdict, "queries_needed": self.queries_needed, "needed_for": self.needed_for}


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
                "(universal inference, Beta(1,1) mixture); confidence sequences at alpha / rows",
                "rows": [r.to_dict() for r in self.rows], "notes": self.notes}


def _stream(obs: Sequence[Observation]) -> tuple[np.ndarray, ...]:
    arm = np.array([o.arm == "candidate" for o in obs], dtype=bool)
    y = np.array([o.outcome for o in obs], dtype=bool)
    nb = np.cumsum(arm)
    na = np.arange(1, len(obs) + 1) - nb
    xb = np.cumsum(y & arm)
    xa = np.cumsum(y & ~arm)
    return xa, na, xb, nb


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
            xa, na, xb, nb = _stream(g) if g else (np.zeros(0),) * 4
            n_a, n_b = (int(na[-1]), int(nb[-1])) if g else (0, 0)
            x_a, x_b = (int(xa[-1]), int(xb[-1])) if g else (0, 0)
            if g and n_a and n_b:
                le = log_e_value(xa, na, xb, nb)
                le = np.where((na > 0) & (nb > 0), le, -np.inf)
                p = float(always_valid_p(le)[-1])
                log_e = float(le[-1])
                naive = float(fixed_sample_p(x_a, n_a, x_b, n_b))
            else:
                p, log_e, naive = 1.0, 0.0, 1.0
            raw.append({"rate": rate, "cohort": cohort, "n_a": n_a, "n_b": n_b, "x_a": x_a, "x_b": x_b,
                        "p": p, "log_e": log_e, "naive": naive})
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
        lo, hi = difference_cs(x_a, n_a, x_b, n_b, level)
        if p_adj <= alpha:
            verdict = "candidate_worse" if delta > 0 else "candidate_better"
            more, call = 0, "difference"
        elif -tolerance < lo and hi < tolerance:
            verdict, more, call = "no_difference", 0, "no_difference"
        else:
            proj = project(x_a, n_a, x_b, n_b, alpha=level, tolerance=tolerance)
            verdict, more, call = "continue", proj.more, proj.call
        rows.append(MonitorRow(r["rate"], r["cohort"], unit, n_a, n_b, x_a, x_b, delta, lo, hi, r["log_e"], r["p"],
                               float(p_adj), r["naive"], verdict, more, call))
    return MonitorReport(rows, alpha, tolerance, baseline, candidate)
