"""Production-weighted comparison: cohort results re-weighted to the cohort mix of the log.

An evaluation set's cohort mix is whatever the people who wrote it chose; production has its
own. For a cohort key (`topic`) with cohorts c, per-cohort mean differences d_c (candidate −
baseline over the paired items of c) and shares w_c:

    eval-mix delta       = Σ_c (n_c / N) · d_c     (each item counts once: the plain mean)
    production delta     = Σ_c w_c · d_c,           w_c = production queries in c / those in
                                                    cohorts the dataset has

Production queries in cohorts the dataset has no items for cannot be weighted; their share is
reported as the **uncovered** share beside the result (coverage = 1 − uncovered). The interval
comes from the same Poisson-weight paired bootstrap as `compare` (each resample's cohort means
re-weighted by w; percentile interval). The p-value comes from a sign-flip randomization test of
the weighted statistic T = Σ_c w_c · mean_c(d) (under "no difference" each item's pair is
exchangeable, so each d_i is equally likely to have either sign; p = (1 + #{|T*| ≥ |T|}) / (1 + B)
over B seeded flips): exact at any sample size, where a bootstrap p-value of a tiny cohort is
not. The p-values of all (key × metric) rows are adjusted with the contract's correction. Verdicts
follow `compare`'s rule (core/verdicts.py). At the gate, a
guarded metric whose production-weighted delta regresses blocks (reason `production_weighted`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from shipcall.core.gate import Reason
from shipcall.core.metrics.registry import metric_info
from shipcall.core.stats.bootstrap import DEFAULT_RESAMPLES, paired_bootstrap
from shipcall.core.stats.corrections import adjust
from shipcall.core.verdicts import judge

if TYPE_CHECKING:
    from shipcall.core.contract import Contract



@dataclass(frozen=True)
class WeightedRow:
    key: str
    metric: str
    n: int
    coverage: float
    eval_baseline: float
    eval_candidate: float
    eval_delta: float
    baseline: float
    candidate: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    verdict: str

    def to_dict(self) -> dict[str, Any]:
        def num(x: float) -> float | None:
            return None if not math.isfinite(x) else round(float(x), 6)

        return {"key": self.key, "metric": self.metric, "n": self.n, "coverage": num(self.coverage),
                "eval_mix": {"baseline": num(self.eval_baseline), "candidate": num(self.eval_candidate),
                             "delta": num(self.eval_delta)},
                "production_mix": {"baseline": num(self.baseline), "candidate": num(self.candidate),
                                   "delta": num(self.delta), "ci_low": num(self.ci_low), "ci_high": num(self.ci_high),
                                   "p_value": num(self.p_value), "p_adjusted": num(self.p_adjusted)},
                "verdict": self.verdict}


@dataclass(frozen=True)
class ProductionWeights:
    """The production-weighted rows, with each key's two mixes side by side."""

    n_queries: int
    mixes: dict[str, list[dict[str, Any]]]
    rows: list[WeightedRow]
    uncovered: dict[str, float]
    unassigned: dict[str, int]
    since: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"n_queries": self.n_queries, "since": self.since, "mixes": self.mixes,
                "uncovered_share": {k: round(v, 4) for k, v in self.uncovered.items()},
                "unassigned_queries": self.unassigned, "rows": [r.to_dict() for r in self.rows],
                "notes": self.notes}


def _verdict(higher: bool, n: int, delta: float, lo: float, hi: float, p_adj: float, alpha: float,
             tol: float, family_size: int) -> str:
    """compare's rule (core/verdicts.py); the interval is the percentile interval of the weighted
    bootstrap, reported beside the adjusted p-value (labelled 95%, unadjusted)."""
    return judge(higher_is_better=higher, n=n, delta=delta, ci_low=lo, ci_high=hi, ci95_low=lo, ci95_high=hi,
                 p_adjusted=p_adj, alpha=alpha, tolerance=tol, family_size=family_size).verdict


def sign_flip_p(contrib: np.ndarray, *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> float:
    """Two-sided sign-flip randomization p-value of T = Σ contrib_i: (1 + #{|Σ s_i contrib_i| ≥
    |T|}) / (1 + B) over B seeded draws of independent random signs s_i (in row blocks)."""
    x = np.asarray(contrib, dtype=np.float64)
    x = x[x != 0]
    t = abs(float(x.sum()))
    if t < 1e-12 or x.size == 0:
        return 1.0
    rng = np.random.default_rng(seed)
    rows = max(1, (1 << 21) // x.size)
    hits, done = 0, 0
    while done < n_resamples:
        b = min(rows, n_resamples - done)
        signs = np.where(rng.random((b, x.size)) < 0.5, -1.0, 1.0)
        hits += int((np.abs(signs @ x) >= t - 1e-12).sum())
        done += b
    return (1 + hits) / (1 + n_resamples)


def production_weighted(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    tags: Mapping[str, Mapping[str, str]],
    contract: Contract,
    production: Mapping[str, Mapping[str, int]],
    metrics: Sequence[str],
    *,
    n_queries: int,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
    since: str | None = None,
) -> ProductionWeights:
    """Re-weight the paired per-cohort deltas to `production` (key → cohort value → logged
    queries assigned to it); see the module docstring."""
    shared = sorted(set(baseline) & set(candidate))
    names = [m for m in metrics if metric_info(m) is not None]
    n, m = len(shared), len(names)
    base = np.full((n, m), np.nan)
    cand = np.full((n, m), np.nan)
    for i, item_id in enumerate(shared):
        for j, name in enumerate(names):
            b, c = baseline[item_id].get(name), candidate[item_id].get(name)
            if isinstance(b, (int, float)) and isinstance(c, (int, float)):
                base[i, j], cand[i, j] = float(b), float(c)
    groups: list[tuple[str, str, np.ndarray]] = []
    for key in production:
        members: dict[str, list[int]] = {}
        for i, item_id in enumerate(shared):
            v = (tags.get(item_id) or {}).get(key)
            if v is not None:
                members.setdefault(str(v), []).append(i)
        for value in sorted(members):
            groups.append((key, value, np.asarray(members[value], dtype=np.int64)))
    mixes: dict[str, list[dict[str, Any]]] = {}
    uncovered: dict[str, float] = {}
    unassigned: dict[str, int] = {}
    rows_raw: list[dict[str, Any]] = []
    if not groups or m == 0:
        return ProductionWeights(n_queries, {}, [], {}, {}, since,
                                 ["no cohort of the contract's keys has paired items to weight"])
    boot = paired_bootstrap(cand - base, [g for _, _, g in groups], n_resamples=n_resamples, seed=seed,
                            keep_resamples=True)
    assert boot.resamples is not None
    for key, counts in production.items():
        idx = [gi for gi, (k, _, _) in enumerate(groups) if k == key]
        values = [groups[gi][1] for gi in idx]
        assigned = sum(counts.values())
        unassigned[key] = max(0, n_queries - assigned)
        covered = sum(counts.get(v, 0) for v in values)
        uncovered[key] = (1.0 - covered / assigned) if assigned else 1.0
        n_key = sum(len(groups[gi][2]) for gi in idx)
        mixes[key] = [{"cohort": f"{key}={v}", "eval_n": int(len(groups[gi][2])),
                       "eval_share": round(len(groups[gi][2]) / n_key, 4) if n_key else 0.0,
                       "production_n": int(counts.get(v, 0)),
                       "production_share": round(counts.get(v, 0) / assigned, 4) if assigned else 0.0}
                      for gi, v in zip(idx, values, strict=True)]
        mixes[key] += [{"cohort": f"{key}={v}", "eval_n": 0, "eval_share": 0.0, "production_n": int(c),
                        "production_share": round(c / assigned, 4) if assigned else 0.0}
                       for v, c in sorted(counts.items()) if v not in values and c]
        if not covered:
            continue
        for j, name in enumerate(names):
            est = boot.estimate[idx, j]
            ok = np.isfinite(est)
            if not ok.any():
                continue
            w = np.array([counts.get(v, 0) for v in values], dtype=np.float64) * ok
            if w.sum() == 0:
                continue
            w = w / w.sum()
            ev_n = np.array([boot.n[gi, j] for gi in idx], dtype=np.float64) * ok
            ev_w = ev_n / ev_n.sum() if ev_n.sum() else ev_n
            means_b = np.array([np.nanmean(base[groups[gi][2], j]) if ok[t] else 0.0 for t, gi in enumerate(idx)])
            means_c = np.array([np.nanmean(cand[groups[gi][2], j]) if ok[t] else 0.0 for t, gi in enumerate(idx)])
            res = np.nan_to_num(boot.resamples[:, idx, j].astype(np.float64)) @ w
            missing = (np.isnan(boot.resamples[:, idx, j]) & (w > 0)).any(axis=1)
            res = np.where(missing, np.nan, res)
            delta = float(np.nansum(np.where(ok, est, 0.0) * w))
            lo, hi = (float(x) for x in np.nanquantile(res, [0.025, 0.975]))
            contrib = np.zeros(n)  # item i's share of T: w_c / n_c · d_i
            for t, gi in enumerate(idx):
                in_cohort = groups[gi][2]
                have = in_cohort[np.isfinite(cand[in_cohort, j] - base[in_cohort, j])]
                if w[t] > 0 and len(have):
                    contrib[have] = w[t] / len(have) * (cand[have, j] - base[have, j])
            p = sign_flip_p(contrib, n_resamples=n_resamples, seed=seed)
            rows_raw.append({"key": key, "metric": name, "n": int(ev_n.sum()), "coverage": 1.0 - uncovered[key],
                             "eval_baseline": float(means_b @ ev_w), "eval_candidate": float(means_c @ ev_w),
                             "eval_delta": float(np.where(ok, est, 0.0) @ ev_w), "baseline": float(means_b @ w),
                             "candidate": float(means_c @ w), "delta": delta, "ci_low": lo, "ci_high": hi,
                             "p_value": p})
    p_adj: list[float] = (list(adjust(np.array([r["p_value"] for r in rows_raw]), contract.correction))
             if rows_raw else [])
    rows = []
    for r, pa in zip(rows_raw, p_adj, strict=True):
        info = metric_info(r["metric"])
        higher = True if info is None else info.higher_is_better
        verdict = _verdict(higher, r["n"], r["delta"], r["ci_low"], r["ci_high"], float(pa), float(contract.alpha),
                           float(contract.tolerance_for(r["metric"])), len(rows_raw))
        rows.append(WeightedRow(**r, p_adjusted=float(pa), verdict=verdict))
    notes = []
    for key, share in uncovered.items():
        if share > 0:
            notes.append(f"{share:.0%} of the logged queries with a {key} fall in cohorts the dataset has no items "
                         f"for: they cannot be weighted (add items: `shipcall drift`)")
    return ProductionWeights(n_queries, mixes, rows, uncovered, unassigned, since, notes)


def weighted_reasons(pw: ProductionWeights, contract: Contract) -> list[Reason]:
    """Gate reasons: a guarded metric regressed at the production mix blocks."""
    guarded = set(contract.guarded)
    out = []
    for r in pw.rows:
        if r.verdict == "regressed" and r.metric in guarded:
            out.append(Reason(
                "production_weighted", "block", r.metric, f"{r.key} mix",
                f"{r.metric} regressed at the production {r.key} mix: {r.baseline:.4g} -> {r.candidate:.4g} "
                f"(delta {r.delta:+.4g}, 95% CI [{r.ci_low:+.4g}, {r.ci_high:+.4g}], adjusted p = "
                f"{r.p_adjusted:.2g}; at the eval-set mix {r.eval_delta:+.4g}; coverage {r.coverage:.0%})"))
    return out
