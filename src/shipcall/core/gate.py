"""The ship/wait gate: apply the contract to a comparison and the candidate run, list every reason.

SHIP if and only if no reason blocks. Reasons, each `{kind, severity, metric, cohort, detail}`:

- `threshold` (block): the candidate's overall value of a contract metric violates its `min` or
  `max`, aggregate-only metrics (latency_ms_p95) included. A contract metric the candidate did
  not measure blocks too: the contract cannot be shown to hold.
- `cohort_regressed` (block): a comparison row (overall or a cohort) with verdict `regressed`
  on a guarded metric. A regression on a metric that is compared but not guarded warns.
- `must_pass` (block): a must-pass item failed. Rule: the item must be in the candidate run and
  score perfectly on the contract's primary metric: 1 for a higher-is-better metric (e.g.
  contains_answer = 1), 0 for a lower-is-better one. An item without a primary value (it
  errored, so `score_item` gave it no metrics, or the metric does not apply to it) fails.
- `error_rate` (block): candidate errors / candidate items > max_error_rate.
- `underpowered`: a guarded metric's row cannot exclude a drop larger than the tolerance (the
  detail says how many items would find one). Overall it **blocks**: to SHIP, every guarded
  metric overall must be `no_change`, `not_worse` or `improved` — absence of evidence is not
  evidence. Per cohort the contract decides (`underpowered: warn | block`, default warn); a
  cohort smaller than `min_cohort_size` warns the same way. The plain-words summary says how
  many cohorts could not be checked.
- only confirmatory rows (core/compare.py) decide; a regression in an exploratory row (a metric
  that is not guarded, a cohort key that is not the contract's) warns.
- `production_weighted` (block; only with `gate --weights production`): a guarded metric
  regressed once cohort results are re-weighted to the production log's mix (core/weights.py).
- `baseline_fails` (warn): a threshold the candidate misses that the baseline misses too (given
  the baseline's metrics). The WAIT then says nothing against the change: both fail the
  contract, and the candidate is not the cause. `baseline_note` words it for the verdict line.

Passed checks are listed in `Decision.checks` so a reader sees what was verified, not only
what failed. The core takes the time and author as values (no clock, no environment).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from shipcall.core.compare import CohortVerdict, Comparison
from shipcall.core.metrics.registry import metric_info
from shipcall.errors import ConfigError

if TYPE_CHECKING:  # duck-typed: the core reads the contract's fields, never imports config at run time
    from shipcall.core.contract import Contract

ReasonKind = Literal["threshold", "cohort_regressed", "must_pass", "error_rate", "underpowered",
                     "production_weighted", "baseline_fails", "canary"]
Severity = Literal["block", "warn"]
GateVerdict = Literal["SHIP", "WAIT"]
_KIND_ORDER: dict[str, int] = {
    "threshold": 0, "error_rate": 1, "must_pass": 2, "cohort_regressed": 3, "underpowered": 4,
    "production_weighted": 3,  # core/weights.py: with `gate --weights production`
    "baseline_fails": -1,  # a warning, listed first among warnings: it explains the blocks above
    "canary": 5,  # a change of the live canary (app/canary.py), recorded beside the gate's calls
}
_PERFECT_SLACK = 1e-9


@dataclass(frozen=True)
class Reason:
    """One reason for the verdict."""

    kind: ReasonKind
    severity: Severity
    metric: str | None
    cohort: str | None
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "severity": self.severity, "metric": self.metric,
                "cohort": self.cohort, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Reason:
        return cls(kind=d["kind"], severity=d["severity"], metric=d.get("metric"),
                   cohort=d.get("cohort"), detail=d.get("detail", ""))


@dataclass(frozen=True)
class Decision:
    """A recorded ship/wait call with its evidence, author, rationale and time."""

    verdict: GateVerdict
    reasons: list[Reason]
    baseline_run: str
    candidate_run: str
    contract_hash: str
    author: str
    note: str
    created_at: str
    override: bool = False
    checks: list[str] = field(default_factory=list)
    summary: str = ""

    @property
    def blocking(self) -> list[Reason]:
        return [r for r in self.reasons if r.severity == "block"]

    @property
    def warnings(self) -> list[Reason]:
        return [r for r in self.reasons if r.severity == "warn"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": [r.to_dict() for r in self.reasons],
            "checks": list(self.checks),
            "baseline_run": self.baseline_run,
            "candidate_run": self.candidate_run,
            "contract_hash": self.contract_hash,
            "author": self.author,
            "note": self.note,
            "created_at": self.created_at,
            "override": self.override,
            "summary": self.summary,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Decision:
        return cls(
            verdict=d["verdict"], reasons=[Reason.from_dict(r) for r in d.get("reasons", [])],
            baseline_run=d.get("baseline_run", ""), candidate_run=d.get("candidate_run", ""),
            contract_hash=d.get("contract_hash", ""), author=d.get("author", ""), note=d.get("note", ""),
            created_at=d.get("created_at", ""), override=bool(d.get("override", False)),
            checks=list(d.get("checks", [])), summary=d.get("summary", ""),
        )


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _where(row: CohortVerdict) -> str:
    return "overall" if row.cohort is None else f"in cohort {row.cohort}"


def _threshold_reasons(contract: Contract, values: Mapping[str, float]) -> tuple[list[Reason], list[str]]:
    reasons: list[Reason] = []
    checks: list[str] = []
    for name, rule in contract.metrics.items():
        if rule.min is None and rule.max is None:
            continue
        value = values.get(name)
        if value is None or not math.isfinite(float(value)):
            reasons.append(Reason("threshold", "block", name, None,
                                  f"{name} was not measured by the candidate run, so its threshold "
                                  "cannot be shown to hold"))
            continue
        v = float(value)
        if rule.min is not None and v < rule.min:
            reasons.append(Reason("threshold", "block", name, None,
                                  f"{name} = {_fmt(v)} is below the contract's minimum {_fmt(rule.min)}"))
        elif rule.max is not None and v > rule.max:
            reasons.append(Reason("threshold", "block", name, None,
                                  f"{name} = {_fmt(v)} is above the contract's maximum {_fmt(rule.max)}"))
        else:
            bound = f">= {_fmt(rule.min)}" if rule.min is not None else f"<= {_fmt(float(rule.max or 0))}"
            checks.append(f"threshold: {name} = {_fmt(v)} {bound}")
    return reasons, checks


def _baseline_reasons(contract: Contract, blocks: list[Reason], baseline: Mapping[str, float],
                      baseline_run: str) -> list[Reason]:
    """For each threshold the candidate misses: does the baseline miss it too?"""
    out: list[Reason] = []
    for r in blocks:
        if r.kind != "threshold" or r.metric is None or r.metric not in contract.metrics:
            continue
        value = baseline.get(r.metric)
        if value is None or not math.isfinite(float(value)):
            continue
        rule, v = contract.metrics[r.metric], float(value)
        if (rule.min is not None and v < rule.min) or (rule.max is not None and v > rule.max):
            side = (f"below the minimum {_fmt(rule.min)}" if rule.min is not None and v < rule.min
                    else f"above the maximum {_fmt(float(rule.max or 0))}")
            out.append(Reason("baseline_fails", "warn", r.metric, None,
                              f"the baseline {baseline_run} misses it too: {r.metric} = {_fmt(v)}, {side}. "
                              "Both fail the contract; the candidate is not the cause"))
    return out


def baseline_note(reasons: list[Mapping[str, Any]]) -> str | None:
    """One sentence for the verdict line when the baseline fails thresholds too (None if not).
    `reasons` as stored (Reason.to_dict())."""
    shared = [r.get("metric") for r in reasons if r.get("kind") == "baseline_fails"]
    if not shared:
        return None
    blocks = [r for r in reasons if r.get("severity") == "block"]
    names = ", ".join(str(m) for m in shared)
    if all(r.get("kind") == "threshold" and r.get("metric") in shared for r in blocks):
        return (f"The baseline misses the same thresholds ({names}): both fail the contract; the candidate is "
                "not the cause. Set thresholds from what users need and the baseline reaches "
                "(`shipcall contract check`), or improve until they hold.")
    return f"The baseline misses {names} too: those thresholds are not the candidate's doing."


def _must_pass_reasons(
    contract: Contract, items: Mapping[str, Mapping[str, float]]
) -> tuple[list[Reason], list[str]]:
    reasons: list[Reason] = []
    passed: list[str] = []
    primary = contract.primary
    info = metric_info(primary)
    higher = True if info is None else info.higher_is_better
    perfect = 1.0 if higher else 0.0
    for item_id in contract.must_pass:
        if item_id not in items:
            reasons.append(Reason("must_pass", "block", primary, None,
                                  f"must-pass item {item_id} is not in the candidate run"))
            continue
        value = items[item_id].get(primary)
        if value is None or not math.isfinite(float(value)):
            reasons.append(Reason("must_pass", "block", primary, None,
                                  f"must-pass item {item_id} has no {primary} value (it errored or "
                                  "was not scored)"))
            continue
        v = float(value)
        ok = v >= perfect - _PERFECT_SLACK if higher else v <= perfect + _PERFECT_SLACK
        if ok:
            passed.append(item_id)
        else:
            reasons.append(Reason("must_pass", "block", primary, None,
                                  f"must-pass item {item_id} failed: {primary} = {_fmt(v)} "
                                  f"(must be {_fmt(perfect)})"))
    checks = [f"must_pass: {len(passed)} of {len(contract.must_pass)} items perfect on {primary}"] \
        if contract.must_pass and len(passed) == len(contract.must_pass) else []
    return reasons, checks


def _error_reasons(contract: Contract, errors: int, n: int) -> tuple[list[Reason], list[str]]:
    if n <= 0:
        return [Reason("error_rate", "block", None, None, "the candidate run has no items")], []
    rate = errors / n
    if rate > contract.max_error_rate + 1e-12:
        return [Reason("error_rate", "block", None, None,
                       f"{errors} of {n} candidate items errored ({rate:.1%}), above max_error_rate "
                       f"{contract.max_error_rate:.1%}")], []
    return [], [f"error_rate: {errors} of {n} items errored ({rate:.1%}) <= {contract.max_error_rate:.1%}"]


def _comparison_reasons(comparison: Comparison, contract: Contract) -> tuple[list[Reason], list[str]]:
    reasons: list[Reason] = []
    guarded = set(contract.guarded)
    per_cohort: Severity = "block" if getattr(contract, "underpowered", "warn") == "block" else "warn"
    for row in comparison.rows:
        tol = contract.tolerance_for(row.metric)
        decides = row.metric in guarded and row.family == "confirmatory"
        interval = (f"{row.confidence:.1%} CI [{row.ci_low:+.4g}, {row.ci_high:+.4g}]"
                    if row.family_size > 1 else f"95% CI [{row.ci_low:+.4g}, {row.ci_high:+.4g}]")
        if row.verdict == "regressed":
            severity: Severity = "block" if decides else "warn"
            suffix = "" if decides else (" (not a guarded metric)" if row.metric not in guarded
                                         else " (exploratory: not a contract cohort)")
            reasons.append(Reason(
                "cohort_regressed", severity, row.metric, row.cohort,
                f"{row.metric} regressed {_where(row)}: {_fmt(row.baseline)} -> {_fmt(row.candidate)} "
                f"(delta {row.delta:+.4g}, {interval}, adjusted p = {row.p_adjusted:.2g} over "
                f"{row.family_size} tests, n = {row.n}, tolerance {_fmt(tol)}){suffix}",
            ))
        elif row.verdict == "underpowered" and decides:
            need = (f"about {row.items_needed} items would find a drop of {_fmt(tol)} with 80% power"
                    if row.items_needed is not None else
                    "no number of items lets this rule find a drop of the tolerance with 80% power")
            severity = "block" if row.cohort is None else per_cohort
            reasons.append(Reason(
                "underpowered", severity, row.metric, row.cohort,
                f"{row.metric} {_where(row)}: {row.n} items cannot rule out a drop larger than "
                f"{_fmt(tol)} (delta {row.delta:+.4g}, {interval}; {row.statement}); {need}",
            ))
    sizes: dict[str, int] = {}
    for row in comparison.cohorts:
        if row.cohort is not None and row.family == "confirmatory":
            sizes[row.cohort] = max(sizes.get(row.cohort, 0), row.n)
    for cohort, n in sizes.items():
        if n < contract.min_cohort_size:
            reasons.append(Reason("underpowered", per_cohort, None, cohort,
                                  f"cohort {cohort} has {n} paired items, below min_cohort_size "
                                  f"{contract.min_cohort_size}: too small to trust"))
    checks: list[str] = []
    guarded_rows = [r for r in comparison.rows if r.metric in guarded and r.family == "confirmatory"]
    if guarded_rows and not any(r.verdict == "regressed" for r in guarded_rows):
        checks.append(f"cohort_regressed: no regression on guarded metrics in {len(guarded_rows)} "
                      f"metric × cohort tests ({comparison.correction}, alpha {_fmt(comparison.alpha)})")
    overall_ok = [r for r in comparison.overall if r.metric in guarded and r.verdict != "underpowered"]
    if overall_ok:
        checks.append("guarded overall: " + ", ".join(f"{r.metric} {r.verdict}" for r in overall_ok))
    return reasons, checks


def summary(verdict: GateVerdict, comparison: Comparison, contract: Contract, reasons: list[Reason]) -> str:
    """The verdict in one plain sentence: what changed on the primary metric (percentages, counts
    out of n), what blocks, and how many cohorts could not be checked."""
    primary = next((r for r in comparison.overall if r.metric == contract.primary), None)
    if primary is not None and math.isfinite(primary.baseline) and math.isfinite(primary.candidate):
        what = (f"{contract.primary} went from {primary.baseline:.0%} to {primary.candidate:.0%} "
                f"on {primary.n} items")
    else:
        what = f"{contract.primary} could not be compared"
    blocks = [r for r in reasons if r.severity == "block"]
    cohorts = {r.cohort for r in comparison.cohorts if r.family == "confirmatory"}
    unchecked = {r.cohort for r in reasons if r.kind == "underpowered" and r.cohort is not None}
    coh = (f"; {len(unchecked)} of {len(cohorts)} cohorts could not be checked (too few items)"
           if unchecked else (f"; all {len(cohorts)} cohorts checked" if cohorts else ""))
    if verdict == "SHIP":
        return f"SHIP: {what}, and nothing the contract guards got worse{coh}."
    first = blocks[0] if blocks else None
    why = {"threshold": "a contract threshold is not met", "error_rate": "too many items errored",
           "must_pass": "a must-pass item failed", "cohort_regressed": "a guarded metric got worse",
           "underpowered": "there are too few items to rule out a drop on a guarded metric",
           "production_weighted": "a guarded metric got worse at the production mix"}.get(
               first.kind if first else "", "the contract is not met")
    more = f" ({len(blocks)} blocking reasons)" if len(blocks) > 1 else ""
    return f"WAIT: {why}{more}; {what}{coh}."


def decide(
    comparison: Comparison,
    contract: Contract,
    *,
    candidate_metrics: Mapping[str, float],
    candidate_items: Mapping[str, Mapping[str, float]],
    candidate_errors: int,
    candidate_n: int,
    baseline_run: str,
    candidate_run: str,
    author: str,
    note: str,
    created_at: str,
    baseline_metrics: Mapping[str, float] | None = None,
    extra: tuple[Sequence[Reason], Sequence[str]] = ((), ()),
) -> Decision:
    """Apply the contract: SHIP if no reason blocks, else WAIT (warnings never block).

    `extra`: reasons and checks decided elsewhere in core and weighed with the rest (the
    production-weighted rows of `gate --weights production`, core/weights.py).

    `candidate_metrics` are the candidate run's overall values (Run.metrics, aggregate-only
    metrics included); `candidate_items` its per-item values (item id → {metric → value}; an
    errored item has none) for the must-pass rule. With `baseline_metrics` (the baseline run's
    overall values), thresholds both runs miss are said to be no fault of the candidate.
    """
    reasons: list[Reason] = []
    checks: list[str] = []
    for part in (
        _threshold_reasons(contract, candidate_metrics),
        _error_reasons(contract, candidate_errors, candidate_n),
        _must_pass_reasons(contract, candidate_items),
        _comparison_reasons(comparison, contract),
        (list(extra[0]), list(extra[1])),
    ):
        reasons.extend(part[0])
        checks.extend(part[1])
    if baseline_metrics is not None:
        reasons.extend(_baseline_reasons(contract, reasons, baseline_metrics, baseline_run))
    reasons.sort(key=lambda r: (r.severity != "block", _KIND_ORDER[r.kind]))
    verdict: GateVerdict = "WAIT" if any(r.severity == "block" for r in reasons) else "SHIP"
    return Decision(
        verdict=verdict, reasons=reasons, baseline_run=baseline_run, candidate_run=candidate_run,
        contract_hash=contract.hash, author=author, note=note, created_at=created_at, checks=checks,
        summary=summary(verdict, comparison, contract, reasons),
    )


def override(decision: Decision, *, verdict: GateVerdict, author: str, note: str, created_at: str) -> Decision:
    """A human override (`shipcall decide --override SHIP --note ...`): the same evidence and
    reasons, the person's verdict, author, rationale and time, marked `override=True`."""
    if not note.strip():
        raise ConfigError("an override needs a note giving its reason", field="note",
                          hint='add --note "why the evidence is overridden"')
    return replace(decision, verdict=verdict, author=author, note=note, created_at=created_at, override=True)
