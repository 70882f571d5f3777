"""Compare a candidate run with a baseline run: paired deltas, intervals and verdicts per cohort.

Method (see ../shared/notes/evaluation.md):

- Items are paired by id; a metric is compared on the shared items that have it in both runs.
  Every per-item metric both runs have is compared (aggregate-only metrics such as latency
  percentiles are threshold checks at the gate, never paired tests).
- Delta = mean(candidate − baseline) over the paired items, overall and per cohort (`tag=value`).
  Its 95% interval is the percentile interval of a Poisson-weight paired bootstrap (one seeded
  B × n weight matrix for every metric and cohort; stats/bootstrap.py).
- The p-value comes from McNemar's exact test for 0/1 metrics and from the paired t-test
  otherwise (stats/tests.py): both resolve p-values far below alpha / family size, which a
  bootstrap p-value with 10,000 resamples cannot. Each row names its test.
- The family is every metric × cohort test, overall rows included (rows with fewer than two
  items run no test); p-values are adjusted by Holm (1979) or Benjamini–Hochberg (1995).
- Verdict, in this order: `regressed` (adjusted p < alpha and the estimate worse than the
  tolerance), `improved` (adjusted p < alpha and better than the tolerance), `no_change` (the
  interval's worse-side bound is within the tolerance: a drop larger than the tolerance is
  excluded, a non-inferiority claim in the sense of Schuirmann, 1987), else `underpowered`, with
  the items needed to detect a drop of the tolerance at 80% power at level alpha / family size
  (stats/power.py). A cohort with fewer than two paired items is `underpowered`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from shipcall.core.metrics.registry import Metric, metric_info
from shipcall.core.stats.bootstrap import DEFAULT_RESAMPLES, paired_bootstrap
from shipcall.core.stats.corrections import adjust
from shipcall.core.stats.power import items_needed, sigma_d_binary
from shipcall.core.stats.tests import MCNEMAR, NO_TEST, PAIRED_T, mcnemar_exact_p, paired_t_p
from shipcall.errors import ConfigError

if TYPE_CHECKING:  # the contract is only read here (duck-typed), never imported at run time
    from shipcall.core.contract import Contract

Verdict = Literal["improved", "regressed", "no_change", "underpowered"]
CONFIDENCE = 0.95
POWER = 0.8
_EPS = 1e-12


@dataclass(frozen=True)
class CohortVerdict:
    """One row of a comparison: a metric overall (cohort None) or in one cohort (`topic=hr`).

    `baseline` and `candidate` are the means over the `n` paired items, so delta is their
    difference; `test` names the test behind `p_value`."""

    metric: str
    cohort: str | None
    n: int
    baseline: float
    candidate: float
    delta: float
    ci_low: float
    ci_high: float
    p_value: float
    p_adjusted: float
    test: str
    verdict: Verdict
    items_needed: int | None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "metric": self.metric,
            "n": self.n,
            "baseline": _num(self.baseline),
            "candidate": _num(self.candidate),
            "delta": _num(self.delta),
            "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high),
            "p_value": _num(self.p_value),
            "p_adjusted": _num(self.p_adjusted),
            "verdict": self.verdict,
            "items_needed": self.items_needed,
            "test": self.test,
        }
        if self.cohort is not None:
            d["cohort"] = self.cohort
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CohortVerdict:
        nan = float("nan")
        return cls(
            metric=d["metric"], cohort=d.get("cohort"), n=int(d["n"]),
            baseline=_flt(d.get("baseline"), nan), candidate=_flt(d.get("candidate"), nan),
            delta=_flt(d.get("delta"), nan), ci_low=_flt(d.get("ci_low"), nan),
            ci_high=_flt(d.get("ci_high"), nan), p_value=_flt(d.get("p_value"), 1.0),
            p_adjusted=_flt(d.get("p_adjusted"), 1.0), test=d.get("test", NO_TEST),
            verdict=d["verdict"], items_needed=d.get("items_needed"),
        )


@dataclass(frozen=True)
class Comparison:
    """A candidate run against a baseline run.

    `dataset_split` is None when both runs cover the same items; otherwise, per metric, the
    overall change split into the part due to the system and the part due to the dataset
    (see `split_change`). `skipped` lists metrics present in both runs that were not compared
    (unknown to the registry or aggregate-only)."""

    overall: list[CohortVerdict]
    cohorts: list[CohortVerdict]
    callouts: list[str]
    shared_items: int
    baseline_only: int
    candidate_only: int
    dataset_split: dict[str, dict[str, Any]] | None
    alpha: float
    correction: str
    n_resamples: int
    seed: int
    family_size: int = 0
    confidence: float = CONFIDENCE
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[CohortVerdict]:
        return [*self.overall, *self.cohorts]

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall": [r.to_dict() for r in self.overall],
            "cohorts": [r.to_dict() for r in self.cohorts],
            "callouts": list(self.callouts),
            "shared_items": self.shared_items,
            "baseline_only": self.baseline_only,
            "candidate_only": self.candidate_only,
            "dataset_split": _jsonable(self.dataset_split),
            "alpha": self.alpha,
            "correction": self.correction,
            "family_size": self.family_size,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "skipped": list(self.skipped),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Comparison:
        return cls(
            overall=[CohortVerdict.from_dict(r) for r in d.get("overall", [])],
            cohorts=[CohortVerdict.from_dict(r) for r in d.get("cohorts", [])],
            callouts=list(d.get("callouts", [])),
            shared_items=int(d.get("shared_items", 0)),
            baseline_only=int(d.get("baseline_only", 0)),
            candidate_only=int(d.get("candidate_only", 0)),
            dataset_split=d.get("dataset_split"),
            alpha=float(d["alpha"]),
            correction=str(d["correction"]),
            n_resamples=int(d["n_resamples"]),
            seed=int(d["seed"]),
            family_size=int(d.get("family_size", 0)),
            confidence=float(d.get("confidence", CONFIDENCE)),
            skipped=list(d.get("skipped", [])),
        )


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _flt(x: Any, default: float) -> float:
    return default if x is None else float(x)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return _num(obj)
    return obj


def _value(v: Any) -> float:
    if v is None or isinstance(v, (str, bytes)):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _select_metrics(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    contract: Contract,
    metrics: Sequence[str] | None,
) -> tuple[list[Metric], list[str]]:
    """The metrics to compare, primary and contract order first, and those skipped."""
    in_base: set[str] = set()
    for values in baseline.values():
        in_base.update(values)
    in_cand: set[str] = set()
    for values in candidate.values():
        in_cand.update(values)
    present = in_base & in_cand
    if metrics is not None:
        chosen: list[Metric] = []
        for name in metrics:
            info = metric_info(name)
            if info is None:
                raise ConfigError(f"unknown metric {name!r}", field="metrics",
                                  hint="use metric names as written in run output, e.g. recall@5")
            if not info.per_item:
                raise ConfigError(f"{name} is aggregate-only: it has no per-item values to pair",
                                  field="metrics",
                                  hint="aggregate-only metrics are threshold checks at the gate")
            chosen.append(info)
        return [m for m in chosen if m.name in present], sorted(m.name for m in chosen if m.name not in present)
    order = [contract.primary, *contract.metrics, *sorted(present)]
    seen: set[str] = set()
    chosen, skipped = [], []
    for name in order:
        if name in seen or name not in present:
            continue
        seen.add(name)
        info = metric_info(name)
        if info is None or not info.per_item:
            skipped.append(name)
        else:
            chosen.append(info)
    return chosen, sorted(skipped)


def _groups(
    ids: Sequence[str], tags: Mapping[str, Mapping[str, str]], keys: Sequence[str]
) -> list[tuple[str, NDArray[np.int64]]]:
    """Cohorts as (`tag=value`, item indices), by key order then sorted value."""
    out: list[tuple[str, NDArray[np.int64]]] = []
    for key in keys:
        members: dict[str, list[int]] = {}
        for i, item_id in enumerate(ids):
            item_tags = tags.get(item_id) or {}
            if key in item_tags and item_tags[key] is not None:
                members.setdefault(str(item_tags[key]), []).append(i)
        for value in sorted(members):
            out.append((f"{key}={value}", np.asarray(members[value], dtype=np.int64)))
    return out


def _verdict(
    info: Metric, n: int, delta: float, ci_low: float, ci_high: float, p_adj: float, alpha: float, tol: float
) -> Verdict:
    if n < 2:
        return "underpowered"
    sign = 1.0 if info.higher_is_better else -1.0
    gain = sign * delta  # > 0: better
    worst = ci_low if info.higher_is_better else -ci_high  # worse-side bound, in "better" units
    if p_adj < alpha and gain < -tol - _EPS:
        return "regressed"
    if p_adj < alpha and gain > tol + _EPS:
        return "improved"
    if math.isfinite(worst) and worst >= -tol - _EPS:
        return "no_change"
    return "underpowered"


def compare(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    tags: Mapping[str, Mapping[str, str]],
    contract: Contract,
    *,
    cohort_keys: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    seed: int = 0,
    n_resamples: int = DEFAULT_RESAMPLES,
) -> Comparison:
    """Compare two runs' per-item metric values (item id → {metric → value}).

    `tags` maps item id → tags for the items of both runs; cohorts come from `cohort_keys`, else
    the contract's `cohorts`. Pure and deterministic for a given seed.
    """
    if n_resamples < 1:
        raise ConfigError("must be at least 1", field="n_resamples")
    shared = sorted(set(baseline) & set(candidate))
    baseline_only = len(set(baseline) - set(candidate))
    candidate_only = len(set(candidate) - set(baseline))
    chosen, skipped = _select_metrics(baseline, candidate, contract, metrics)
    keys = list(contract.cohorts if cohort_keys is None else cohort_keys)
    alpha = float(contract.alpha)

    n_items, n_metrics = len(shared), len(chosen)
    base = np.full((n_items, n_metrics), np.nan)
    cand = np.full((n_items, n_metrics), np.nan)
    for i, item_id in enumerate(shared):
        b_vals, c_vals = baseline[item_id], candidate[item_id]
        for j, info in enumerate(chosen):
            base[i, j] = _value(b_vals.get(info.name))
            cand[i, j] = _value(c_vals.get(info.name))
    paired = ~np.isnan(base) & ~np.isnan(cand)
    base = np.where(paired, base, np.nan)
    cand = np.where(paired, cand, np.nan)
    diffs = cand - base

    cohorts = _groups(shared, tags, keys)
    labels: list[str | None] = [None, *(label for label, _ in cohorts)]
    index_sets: list[NDArray[np.int64] | None] = [None, *(idx for _, idx in cohorts)]
    boot = paired_bootstrap(diffs, index_sets, n_resamples=n_resamples, seed=seed, confidence=CONFIDENCE)

    binary = np.array(
        [info.binary and bool(np.isin(base[paired[:, j], j], (0.0, 1.0)).all()
                              and np.isin(cand[paired[:, j], j], (0.0, 1.0)).all())
         for j, info in enumerate(chosen)],
        dtype=bool,
    )
    n_groups = len(index_sets)
    shape = (n_groups, n_metrics)
    mean_b, mean_c, sd = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    sigma = np.full(shape, np.nan)
    p_raw = np.ones(shape)
    counts = boot.n
    for g, idx in enumerate(index_sets):
        b = base if idx is None else base[idx]
        c = cand if idx is None else cand[idx]
        m = paired if idx is None else paired[idx]
        d = np.where(m, c - b, 0.0)
        n = counts[g].astype(np.float64)
        safe_n = np.maximum(n, 1.0)
        mean_b[g] = np.where(n > 0, np.where(m, b, 0.0).sum(axis=0) / safe_n, np.nan)
        mean_c[g] = np.where(n > 0, np.where(m, c, 0.0).sum(axis=0) / safe_n, np.nan)
        mean_d = d.sum(axis=0) / safe_n
        ss = (np.where(m, d - mean_d, 0.0) ** 2).sum(axis=0)
        sd[g] = np.where(n >= 2, np.sqrt(ss / np.maximum(n - 1.0, 1.0)), np.nan)
        up = (m & (b < 0.5) & (c > 0.5)).sum(axis=0)
        down = (m & (b > 0.5) & (c < 0.5)).sum(axis=0)
        p_t = paired_t_p(n, mean_d, np.nan_to_num(sd[g]))
        p_mc = mcnemar_exact_p(down, up)
        p_raw[g] = np.where(binary, p_mc, p_t)
        sig_bin = np.array([sigma_d_binary(u / s, w / s) for u, w, s in zip(up, down, safe_n, strict=True)])
        sigma[g] = np.where(binary, np.where(n > 0, sig_bin, np.nan), sd[g])

    tested = counts >= 2
    family_size = int(tested.sum())
    p_adj = np.ones(shape)
    if family_size:
        p_adj[tested] = adjust(p_raw[tested], contract.correction)
    p_raw = np.where(tested, p_raw, 1.0)
    power_alpha = alpha / max(family_size, 1)

    overall_rows: list[CohortVerdict] = []
    cohort_rows: list[CohortVerdict] = []
    for g, label in enumerate(labels):
        for j, info in enumerate(chosen):
            n = int(counts[g, j])
            if n == 0:
                continue
            tol = float(contract.tolerance_for(info.name))
            delta = float(boot.estimate[g, j])
            lo, hi = float(boot.ci_low[g, j]), float(boot.ci_high[g, j])
            verdict = _verdict(info, n, delta, lo, hi, float(p_adj[g, j]), alpha, tol)
            needed = None
            if verdict == "underpowered":
                s = float(sigma[g, j])
                if not (math.isfinite(s) and s > 0):
                    s = float(sigma[0, j]) if math.isfinite(sigma[0, j]) else 0.0
                needed = items_needed(s, tol, alpha=power_alpha, power=POWER)
            test = NO_TEST if n < 2 else (MCNEMAR if binary[j] else PAIRED_T)
            row = CohortVerdict(
                metric=info.name, cohort=label, n=n,
                baseline=float(mean_b[g, j]), candidate=float(mean_c[g, j]), delta=delta,
                ci_low=lo, ci_high=hi, p_value=float(p_raw[g, j]), p_adjusted=float(p_adj[g, j]),
                test=test, verdict=verdict, items_needed=needed,
            )
            (overall_rows if label is None else cohort_rows).append(row)

    split = None
    if baseline_only or candidate_only:
        split = split_change(baseline, candidate, tags, [m.name for m in chosen], keys)
    return Comparison(
        overall=overall_rows,
        cohorts=cohort_rows,
        callouts=callouts(overall_rows, cohort_rows),
        shared_items=n_items,
        baseline_only=baseline_only,
        candidate_only=candidate_only,
        dataset_split=split,
        alpha=alpha,
        correction=contract.correction,
        n_resamples=n_resamples,
        seed=seed,
        family_size=family_size,
        confidence=CONFIDENCE,
        skipped=skipped,
    )


def callouts(overall: Sequence[CohortVerdict], cohorts: Sequence[CohortVerdict]) -> list[str]:
    """Name every cohort that regressed while its metric did not regress overall, most
    prominently "improved overall on M, regressed in cohort X" (Simpson-style masking)."""
    by_metric = {r.metric: r for r in overall}
    out: list[str] = []
    for r in cohorts:
        if r.verdict != "regressed":
            continue
        o = by_metric.get(r.metric)
        if o is None or o.verdict == "regressed":
            continue
        info = metric_info(r.metric)
        better = o.delta > 0 if info is None or info.higher_is_better else o.delta < 0
        if o.verdict == "improved":
            head = f"improved overall on {r.metric} ({o.delta:+.3f})"
        elif better:
            head = f"better overall on {r.metric} ({o.delta:+.3f}, {o.verdict.replace('_', ' ')})"
        else:
            head = f"{o.verdict.replace('_', ' ')} overall on {r.metric} ({o.delta:+.3f})"
        out.append(f"{head}, regressed in cohort {r.cohort} ({r.delta:+.3f}, n={r.n})")
    # A trade-off across metrics: an overall improvement on one metric bought with a cohort
    # regression on another (e.g. fewer false answers, more refusals of paraphrased questions).
    improved = [o for o in overall if o.verdict == "improved"]
    regressed = [r for r in cohorts if r.verdict == "regressed" and r.metric not in {o.metric for o in improved}]
    if improved and regressed:
        gains = ", ".join(f"{o.metric} ({o.delta:+.3f})" for o in improved)
        losses = ", ".join(f"{r.cohort} on {r.metric} ({r.delta:+.3f}, n={r.n})" for r in regressed)
        out.append(f"improved overall on {gains}, but regressed in cohort {losses}")
    return out


def split_change(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    tags: Mapping[str, Mapping[str, str]],
    metrics: Sequence[str],
    cohort_keys: Sequence[str] = (),
) -> dict[str, dict[str, Any]]:
    """Split each metric's overall change into a system part and a dataset part.

    With P the items that have the metric in both runs, B and C all items that have it in the
    baseline and candidate runs, and x̄ a mean:

        total_change = C̄ − B̄ = (C̄_P − B̄_P)  +  (C̄ − C̄_P)  +  (B̄_P − B̄)
                              system_part   added_items_part  removed_items_part

    dataset_part = added_items_part + removed_items_part (exact, no residual). `cohort_mix[key]`
    is the part of the candidate's overall value due to the cohort proportions changing
    between the two item sets: Σ_c (share_C(c) − share_B(c)) · C̄(c), over the items carrying
    the tag (a reweighting diagnostic, not an additional term: it is contained in dataset_part).
    """
    out: dict[str, dict[str, Any]] = {}
    for name in metrics:
        b_all = {i: _value(v.get(name)) for i, v in baseline.items()}
        c_all = {i: _value(v.get(name)) for i, v in candidate.items()}
        b_all = {i: x for i, x in b_all.items() if math.isfinite(x)}
        c_all = {i: x for i, x in c_all.items() if math.isfinite(x)}
        pairs = sorted(set(b_all) & set(c_all))
        if not b_all or not c_all:
            continue
        b_mean = float(np.mean(list(b_all.values())))
        c_mean = float(np.mean(list(c_all.values())))
        bp = float(np.mean([b_all[i] for i in pairs])) if pairs else math.nan
        cp = float(np.mean([c_all[i] for i in pairs])) if pairs else math.nan
        system = cp - bp if pairs else 0.0
        added = c_mean - cp if pairs else c_mean - b_mean
        removed = bp - b_mean if pairs else 0.0
        mix: dict[str, float] = {}
        for key in cohort_keys:
            mix[key] = _cohort_mix(b_all, c_all, tags, key)
        out[name] = {
            "baseline": b_mean,
            "candidate": c_mean,
            "total_change": c_mean - b_mean,
            "system_part": system,
            "dataset_part": added + removed,
            "added_items_part": added,
            "removed_items_part": removed,
            "cohort_mix": mix,
            "n_baseline": len(b_all),
            "n_candidate": len(c_all),
            "n_shared": len(pairs),
        }
    return out


def _cohort_mix(
    b_all: Mapping[str, float], c_all: Mapping[str, float], tags: Mapping[str, Mapping[str, str]], key: str
) -> float:
    def shares(values: Mapping[str, float]) -> tuple[dict[str, float], dict[str, float]]:
        groups: dict[str, list[float]] = {}
        for i, x in values.items():
            t = (tags.get(i) or {}).get(key)
            if t is not None:
                groups.setdefault(str(t), []).append(x)
        total = sum(len(v) for v in groups.values())
        share = {c: len(v) / total for c, v in groups.items()} if total else {}
        means = {c: float(np.mean(v)) for c, v in groups.items()}
        return share, means

    sb, _ = shares(b_all)
    sc, mc = shares(c_all)
    return float(sum((sc.get(c, 0.0) - sb.get(c, 0.0)) * mc[c] for c in mc))

