"""Compare a candidate run with a baseline run: paired deltas, intervals and verdicts per cohort.

Method (docs/statistics.md explains each step in plain words, with references):

- Items are paired by id; a metric is compared on the shared items that have it in both runs.
  Every per-item metric both runs have is compared (aggregate-only metrics such as latency
  percentiles are threshold checks at the gate, never paired tests).
- **Families.** The contract's primary and guarded metrics, overall and in the cohorts of the
  contract's `cohorts` keys, are the *confirmatory* family: `compare`, `gate` and the pages all
  compute exactly these rows, so a row has one adjusted p-value everywhere. Every other row
  (other metrics, other cohort keys such as `--by team`) is *exploratory*: corrected within its
  own family and labelled so. Metrics whose per-item values are identical in both runs (recall@10
  = recall@5 when the retriever returns 5) are tested once: the others point at it (`same_as`).
- **Tests.** A metric whose values are all 0 or 1 gets McNemar's exact test and Tango's score
  interval (stats/tests.py, stats/intervals.py). Any other metric gets the largest of a sign-flip
  randomization p-value, a studentized-bootstrap p-value and, for metrics between 0 and 1, an
  Agresti–Min-adjusted Wald p-value; its interval is the hull of the bootstrap-t interval and the
  adjusted Wald interval (stats/studentized.py). Neither collapses to [0, 0] when no item changed.
- **Corrections.** p-values are adjusted within each family by Holm (1979) or
  Benjamini–Hochberg (1995). The interval printed next to an adjusted p-value is adjusted the same
  way: simultaneous at 1 − alpha/m (Bonferroni, for Holm) or at the false-coverage-rate level
  1 − R·alpha/m (Benjamini and Yekutieli, 2005, for BH; R the family's discoveries). The
  unadjusted 95% interval is kept beside it (`ci95_low`, `ci95_high`).
- **Verdicts** come from core/verdicts.py; `underpowered` rows say how many items would find a
  drop of the tolerance with 80% power at the family's level (stats/power.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from shipcall.core.metrics.registry import Metric, metric_info
from shipcall.core.split import split_change
from shipcall.core.stats.bootstrap import DEFAULT_RESAMPLES
from shipcall.core.stats.corrections import adjust
from shipcall.core.stats.rows import RowStats, row_statistics
from shipcall.core.stats.tests import NO_TEST
from shipcall.core.verdicts import Verdict, judge
from shipcall.errors import ConfigError

if TYPE_CHECKING:  # the contract is only read here (duck-typed), never imported at run time
    from shipcall.core.contract import Contract

CONFIDENCE = 0.95
POWER = 0.8
CONFIRMATORY, EXPLORATORY = "confirmatory", "exploratory"


@dataclass(frozen=True)
class CohortVerdict:
    """One row of a comparison: a metric overall (cohort None) or in one cohort (`topic=hr`).

    `baseline` and `candidate` are the means over the `n` paired items, so delta is their
    difference; `ci_low`/`ci_high` the interval adjusted like `p_adjusted` (at `confidence`),
    `ci95_low`/`ci95_high` the unadjusted 95% interval; `test` names the test behind `p_value`;
    `family` says which family it was corrected in; `statement` says the verdict in words."""

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
    ci95_low: float = math.nan
    ci95_high: float = math.nan
    confidence: float = CONFIDENCE
    family: str = CONFIRMATORY
    family_size: int = 0
    likely: str | None = None
    statement: str = ""
    same_as: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "metric": self.metric, "n": self.n, "baseline": _num(self.baseline),
            "candidate": _num(self.candidate), "delta": _num(self.delta), "ci_low": _num(self.ci_low),
            "ci_high": _num(self.ci_high), "confidence": self.confidence, "ci95_low": _num(self.ci95_low),
            "ci95_high": _num(self.ci95_high), "p_value": _num(self.p_value), "p_adjusted": _num(self.p_adjusted),
            "verdict": self.verdict, "likely": self.likely, "statement": self.statement,
            "items_needed": self.items_needed, "test": self.test, "family": self.family,
            "family_size": self.family_size, "same_as": self.same_as,
        }
        if self.cohort is not None:
            d["cohort"] = self.cohort
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CohortVerdict:
        nan = float("nan")
        known = {f.name for f in fields(cls)}
        extra = {k: d[k] for k in ("confidence", "family", "family_size", "likely", "statement", "same_as")
                 if k in d and k in known and d[k] is not None}
        return cls(
            metric=d["metric"], cohort=d.get("cohort"), n=int(d["n"]),
            baseline=_flt(d.get("baseline"), nan), candidate=_flt(d.get("candidate"), nan),
            delta=_flt(d.get("delta"), nan), ci_low=_flt(d.get("ci_low"), nan),
            ci_high=_flt(d.get("ci_high"), nan), p_value=_flt(d.get("p_value"), 1.0),
            p_adjusted=_flt(d.get("p_adjusted"), 1.0), test=d.get("test", NO_TEST),
            verdict=d["verdict"], items_needed=d.get("items_needed"),
            ci95_low=_flt(d.get("ci95_low"), nan), ci95_high=_flt(d.get("ci95_high"), nan), **extra,
        )


@dataclass(frozen=True)
class Comparison:
    """A candidate run against a baseline run.

    `dataset_split` is None when both runs cover the same items; otherwise, per metric, the
    overall change split into the part due to the system and the part due to the dataset
    (core/split.py). `skipped` lists metrics present in both runs that were not compared
    (unknown to the registry or aggregate-only). `families` gives each family's size and rule;
    `family_size` is the confirmatory family's."""

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
    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

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
            "families": self.families,
            "confidence": self.confidence,
            "n_resamples": self.n_resamples,
            "seed": self.seed,
            "skipped": list(self.skipped),
            "notes": list(self.notes),
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
            families=dict(d.get("families", {})),
            notes=list(d.get("notes", [])),
        )


def _num(x: float | None) -> float | None:
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
    if v is None or isinstance(v, (str, bytes, bool)):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def confirmatory_metrics(contract: Contract) -> list[str]:
    """The confirmatory family's metrics: the primary and the guarded metrics, in that order."""
    return list(dict.fromkeys([contract.primary, *contract.guarded]))


def _select_metrics(
    baseline: Mapping[str, Mapping[str, float]],
    candidate: Mapping[str, Mapping[str, float]],
    contract: Contract,
    metrics: Sequence[str] | None,
) -> tuple[list[Metric], list[str]]:
    """The metrics to compare, confirmatory first, and those skipped."""
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
    order = [*confirmatory_metrics(contract), *contract.metrics, *sorted(present)]
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


def check_cohort_keys(keys: Sequence[str], tags: Mapping[str, Mapping[str, str]], ids: Sequence[str]) -> None:
    """An unknown cohort key (`--by team` when no item has `team`) is an error naming the keys
    the items have."""
    have: dict[str, int] = {}
    for i in ids:
        for k in tags.get(i) or {}:
            have[k] = have.get(k, 0) + 1
    missing = [k for k in keys if k not in have]
    if missing:
        known = ", ".join(sorted(have)) or "none (the items carry no tags)"
        raise ConfigError(f"no compared item has the tag key {missing[0]!r}", field="--by",
                          hint=f"tag keys the items have: {known}")


def _groups(
    ids: Sequence[str], tags: Mapping[str, Mapping[str, str]], keys: Sequence[str]
) -> list[tuple[str, str, NDArray[np.int64]]]:
    """Cohorts as (key, `tag=value`, item indices), by key order then sorted value."""
    out: list[tuple[str, str, NDArray[np.int64]]] = []
    for key in keys:
        members: dict[str, list[int]] = {}
        for i, item_id in enumerate(ids):
            item_tags = tags.get(item_id) or {}
            if key in item_tags and item_tags[key] is not None:
                members.setdefault(str(item_tags[key]), []).append(i)
        for value in sorted(members):
            out.append((key, f"{key}={value}", np.asarray(members[value], dtype=np.int64)))
    return out


def _identical_to(base: NDArray[np.float64], cand: NDArray[np.float64], names: Sequence[str],
                  preferred: set[str]) -> dict[int, int]:
    """Column j → the column it duplicates (same per-item values in both runs, same missing
    items), the first of each group kept; a confirmatory metric is preferred as the kept one."""
    order = sorted(range(len(names)), key=lambda j: (names[j] not in preferred, j))
    kept: list[int] = []
    same: dict[int, int] = {}
    for j in order:
        for k in kept:
            if np.array_equal(base[:, j], base[:, k], equal_nan=True) and \
                    np.array_equal(cand[:, j], cand[:, k], equal_nan=True):
                same[j] = k
                break
        else:
            kept.append(j)
    return same


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
    previous_baseline: Mapping[str, Mapping[str, float]] | None = None,
    rerun_command: str | None = None,
) -> Comparison:
    """Compare two runs' per-item metric values (item id → {metric → value}).

    `tags` maps item id → tags. Cohort rows are shown for the contract's `cohorts` keys and for
    `cohort_keys` (`--by`; an unknown key is an error). When the baseline was re-measured on the
    candidate's items, pass the original baseline run as `previous_baseline`: the dataset split
    then uses it (core/split.py). Pure and deterministic for a given seed."""
    if n_resamples < 1:
        raise ConfigError("must be at least 1", field="n_resamples")
    shared = sorted(set(baseline) & set(candidate))
    baseline_only = len(set(baseline) - set(candidate))
    candidate_only = len(set(candidate) - set(baseline))
    chosen, skipped = _select_metrics(baseline, candidate, contract, metrics)
    if cohort_keys:
        check_cohort_keys(cohort_keys, tags, shared)
    contract_keys = list(contract.cohorts)
    keys = list(dict.fromkeys([*contract_keys, *(cohort_keys or [])]))
    alpha = float(contract.alpha)
    names = [m.name for m in chosen]
    confirm = set(confirmatory_metrics(contract))

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
    same = _identical_to(base, cand, names, confirm)

    cohorts = _groups(shared, tags, keys)
    labels: list[tuple[str | None, str | None]] = [(None, None), *((k, label) for k, label, _ in cohorts)]
    index_sets: list[NDArray[np.int64] | None] = [None, *(idx for _, _, idx in cohorts)]
    stats = row_statistics(base, cand, index_sets, n_resamples=n_resamples, seed=seed)

    # family of each (group, metric) cell; duplicates and untestable cells are in no family
    fam = np.full((len(index_sets), n_metrics), "", dtype=object)
    for g, (key, _) in enumerate(labels):
        for j, name in enumerate(names):
            if j in same or stats.n[g, j] < 2:
                continue
            members = {name} | {names[k] for k, t in same.items() if t == j}
            fam[g, j] = CONFIRMATORY if members & confirm and (key is None or key in contract_keys) else EXPLORATORY
    p_adj = np.ones(fam.shape)
    conf_level = np.full(fam.shape, CONFIDENCE)
    families: dict[str, dict[str, Any]] = {}
    for name in (CONFIRMATORY, EXPLORATORY):
        cells = fam == name
        m = int(cells.sum())
        if not m:
            families[name] = {"size": 0}
            continue
        p_adj[cells] = adjust(stats.p_value[cells], contract.correction)
        found = int((p_adj[cells] < alpha).sum())
        level = alpha / m if contract.correction == "holm" else alpha * max(found, 1) / m
        conf_level[cells] = 1.0 - level
        families[name] = {"size": m, "interval_level": 1.0 - level,
                          "interval": "simultaneous (Bonferroni)" if contract.correction == "holm"
                          else "false-coverage-rate adjusted (Benjamini-Yekutieli)"}
    families[CONFIRMATORY]["metrics"] = [n for n in confirmatory_metrics(contract) if n in names]
    families[CONFIRMATORY]["cohort_keys"] = contract_keys
    lo_adj, hi_adj = stats.interval(conf_level)
    lo95, hi95 = stats.interval(np.full(fam.shape, CONFIDENCE))

    overall_rows: list[CohortVerdict] = []
    cohort_rows: list[CohortVerdict] = []
    built: dict[tuple[int, int], CohortVerdict] = {}
    for g, (_key, label) in enumerate(labels):
        for j, info in enumerate(chosen):
            src = same.get(j, j)
            n = int(stats.n[g, src])
            if n == 0:
                continue
            family = fam[g, src] or (EXPLORATORY if stats.n[g, src] < 2 else "")
            m_fam = families.get(family, {}).get("size", 0)
            row = _row(stats, g, src, info, label, contract, alpha, float(p_adj[g, src]),
                       (lo_adj[g, src], hi_adj[g, src]), (lo95[g, src], hi95[g, src]),
                       float(conf_level[g, src]), family or EXPLORATORY, m_fam)
            if j in same:
                row = _dup(row, info, names[src], contract, alpha)
            built[(g, j)] = row
            (overall_rows if label is None else cohort_rows).append(row)

    split = None
    if baseline_only or candidate_only or previous_baseline is not None:
        split = split_change(previous_baseline if previous_baseline is not None else baseline, candidate, names,
                             baseline_on_candidate_items=baseline if previous_baseline is not None else None,
                             rerun_command=rerun_command)
    notes = []
    if same:
        notes.append("identical per-item values, tested once: " + ", ".join(
            f"{names[j]} = {names[k]}" for j, k in sorted(same.items())))
    return Comparison(
        overall=overall_rows, cohorts=cohort_rows, callouts=callouts(overall_rows, cohort_rows),
        shared_items=n_items, baseline_only=baseline_only, candidate_only=candidate_only,
        dataset_split=split, alpha=alpha, correction=contract.correction, n_resamples=n_resamples,
        seed=seed, family_size=families[CONFIRMATORY]["size"], confidence=CONFIDENCE, skipped=skipped,
        families=families, notes=notes,
    )


def _row(stats: RowStats, g: int, j: int, info: Metric, label: str | None, contract: Contract, alpha: float,
         p_adj: float, ci: tuple[float, float], ci95: tuple[float, float], level: float, family: str,
         family_size: int) -> CohortVerdict:
    n = int(stats.n[g, j])
    tol = float(contract.tolerance_for(info.name))
    delta = float(stats.estimate[g, j])
    lo, hi = float(ci[0]), float(ci[1])
    j_ = judge(higher_is_better=info.higher_is_better, n=n, delta=delta, ci_low=lo, ci_high=hi,
               ci95_low=float(ci95[0]), ci95_high=float(ci95[1]), p_adjusted=p_adj, alpha=alpha, tolerance=tol,
               family_size=family_size)
    needed = None
    if j_.verdict in ("underpowered", "not_worse") and n >= 0:
        needed = stats.items_needed(g, j, tol, alpha=alpha / max(family_size, 1), power=POWER)
    return CohortVerdict(
        metric=info.name, cohort=label, n=n, baseline=float(stats.mean_b[g, j]),
        candidate=float(stats.mean_c[g, j]), delta=delta, ci_low=lo, ci_high=hi,
        p_value=float(stats.p_value[g, j]) if n >= 2 else 1.0, p_adjusted=p_adj if n >= 2 else 1.0,
        test=stats.test_name(g, j), verdict=j_.verdict,
        items_needed=needed if j_.verdict == "underpowered" else None,
        ci95_low=float(ci95[0]), ci95_high=float(ci95[1]), confidence=level, family=family,
        family_size=family_size, likely=j_.likely, statement=j_.statement,
    )


def _dup(row: CohortVerdict, info: Metric, same_as: str, contract: Contract, alpha: float) -> CohortVerdict:
    """The row of a metric identical to `same_as`: its numbers, its own name and direction."""
    if info.higher_is_better == (metric_info(same_as) or info).higher_is_better:
        return CohortVerdict(**{**row.__dict__, "metric": info.name, "same_as": same_as})
    j_ = judge(higher_is_better=info.higher_is_better, n=row.n, delta=row.delta, ci_low=row.ci_low,
               ci_high=row.ci_high, ci95_low=row.ci95_low, ci95_high=row.ci95_high, p_adjusted=row.p_adjusted,
               alpha=alpha, tolerance=float(contract.tolerance_for(info.name)), family_size=row.family_size)
    return CohortVerdict(**{**row.__dict__, "metric": info.name, "same_as": same_as, "verdict": j_.verdict,
                            "likely": j_.likely, "statement": j_.statement})


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


