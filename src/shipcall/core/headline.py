"""The gate's verdict in plain words: one sentence a person can repeat, then what got better.

    WAIT: refusals of questions the documents answer rose from 17.3% to 34.0% (150 items), and in
    3 cohorts (difficulty=multi-hop, ...). Better: answers given to questions the documents do
    not cover fell from 59.4% to 25.0% (32 items). 20 cohort checks had too few items to tell.

Built only from the decision's reasons and the comparison's rows (means over the paired items,
so the numbers equal `compare`'s): blocking reasons first, the primary metric before the other
guarded ones; rates as percentages, counts out of n. The gate's text, the reports and the pages
all lead with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from shipcall.core.metrics.glossary import describe, format_value

if TYPE_CHECKING:
    from shipcall.core.compare import CohortVerdict
    from shipcall.core.gate import Decision, Reason

_SHOWN_COHORTS = 3


def _moved(row: CohortVerdict) -> str:
    verb = "rose" if row.delta > 0 else "fell" if row.delta < 0 else "stayed"
    b, c = format_value(row.metric, row.baseline), format_value(row.metric, row.candidate)
    return f"{verb} from {b} to {c} ({row.n} items)"


def _cohort_list(rows: Sequence[CohortVerdict]) -> str:
    names = [str(r.cohort) for r in rows[:_SHOWN_COHORTS]]
    more = f" and {len(rows) - _SHOWN_COHORTS} more" if len(rows) > _SHOWN_COHORTS else ""
    return ", ".join(names) + more


def _regression(metric: str, rows: Sequence[CohortVerdict]) -> str:
    words = describe(metric).words
    overall = next((r for r in rows if r.cohort is None), None)
    cohorts = [r for r in rows if r.cohort is not None]
    if overall is not None:
        text = f"{words} {_moved(overall)}"
        if cohorts:
            s = "s" if len(cohorts) > 1 else ""
            text += f", and in {len(cohorts)} cohort{s} ({_cohort_list(cohorts)})"
        return text
    first = cohorts[0]
    text = f"{words} got worse in cohort {first.cohort}: it {_moved(first)}"
    if len(cohorts) > 1:
        text += f", and in {len(cohorts) - 1} more ({_cohort_list(cohorts[1:])})"
    return text


def _threshold(reason: Reason, candidate_metrics: Mapping[str, float], contract: Any) -> str:
    name = str(reason.metric)
    words = describe(name).words
    value = candidate_metrics.get(name)
    rule = contract.metrics.get(name) if contract is not None else None
    if value is None or rule is None:
        return f"{words}: not measured, so its threshold cannot be shown to hold"
    if rule.min is not None and value < rule.min:
        return f"{words} at {format_value(name, value)}, below the contract's minimum of {format_value(name, rule.min)}"
    bound = rule.max if rule.max is not None else float("nan")
    return f"{words} at {format_value(name, value)}, above the contract's maximum of {format_value(name, bound)}"


def headline(decision: Decision, rows: Sequence[CohortVerdict], *, primary: str, guarded: Sequence[str] = (),
             candidate_metrics: Mapping[str, float] | None = None, contract: Any = None) -> str:
    """The plain-words verdict of `decision` over the comparison `rows` (overall and cohort rows)."""
    metrics = candidate_metrics or {}
    order = {m: i for i, m in enumerate(dict.fromkeys([primary, *guarded]))}
    blocks = decision.blocking
    parts: list[str] = []
    for r in blocks:
        if r.kind == "threshold":
            parts.append(_threshold(r, metrics, contract))
    regressed = sorted({r.metric for r in blocks if r.kind == "cohort_regressed" and r.metric},
                       key=lambda m: (order.get(m, len(order)), m))
    for m in regressed:
        cells = {(r.metric, r.cohort) for r in blocks if r.kind == "cohort_regressed" and r.metric == m}
        hit = [row for row in rows if (row.metric, row.cohort) in cells]
        if hit:
            parts.append(_regression(m, hit))
    failed = [r for r in blocks if r.kind == "must_pass"]
    if failed:
        parts.append(f"{len(failed)} must-pass item{'s' if len(failed) > 1 else ''} failed")
    parts += [r.detail for r in blocks if r.kind not in ("threshold", "cohort_regressed", "must_pass")]

    word = decision.verdict + (" (a person's call, overriding the gate)" if decision.override else "")
    if parts:
        text = f"{word}: " + "; ".join(parts) + "."
    elif decision.verdict == "SHIP":
        text = f"{word}: every threshold holds and no guarded metric got worse, overall or in any cohort."
    else:
        text = f"{word}: {decision.note or 'no blocking reason was recorded'}."
    declared = set(order) | set(getattr(contract, "metrics", {}) or {})
    better = [row for row in rows if row.cohort is None and row.verdict == "improved" and row.metric in declared]
    better.sort(key=lambda r: (order.get(r.metric, len(order)), r.metric))
    if better:
        text += " Better: " + "; ".join(f"{describe(r.metric).words} {_moved(r)}" for r in better[:3]) + "."
    unsure = [r for r in decision.warnings if r.kind == "underpowered" and r.metric is not None]
    if unsure:
        text += f" {len(unsure)} check{'s' if len(unsure) > 1 else ''} had too few items to tell."
    return text
