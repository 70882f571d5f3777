"""Shape app results for the HTML templates that the report files and the /ui/ pages share:
numbers formatted for people (shares as percentages, changes in percentage points), metrics with
their plain names and definitions, comparison rows, call-outs, grouped warnings, the
system/dataset split, failure modes with their examples. No markup here (the templates escape
everything); values and text only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shipcall.core.metrics.glossary import FAMILIES, MetricText, describe, format_delta, format_value

HEADLINE = ("contains_answer", "recall@5", "ndcg@10", "f1", "false_answer_rate", "over_refusal_rate",
            "accuracy", "macro_f1", "ece", "rouge1", "rouge2", "key_point_coverage", "latency_ms_p95")


@dataclass(frozen=True)
class Links:
    """Where a run, comparison, decision or failure list lives: URLs on the server's pages; in a
    report file there is no server, so these are None and the templates print plain text."""

    run: Callable[[str], str | None] = lambda _id: None
    compare: Callable[[str, str], str | None] = lambda _b, _c: None
    failures: Callable[[str], str | None] = lambda _id: None
    decision: Callable[[int], str | None] = lambda _id: None
    variants: Callable[[str], str | None] = lambda _ds: None


FILE_LINKS = Links()
PAGE_LINKS = Links(run=lambda i: f"/ui/runs/{i}", compare=lambda b, c: f"/ui/compare/{b}/{c}",
                   failures=lambda i: f"/ui/runs/{i}/failures", decision=lambda i: f"/ui/decisions/{i}",
                   variants=lambda ds: f"/ui/variants?dataset={ds}")


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}f}" if math.isfinite(x) else "–"
    return str(x)


def headline_metrics(runs: Sequence[Any], contract: Any = None) -> list[str]:
    """The metrics a runs table shows: the contract's primary and guarded ones, then the usual
    headline metrics the runs have (at most six)."""
    present = {m for r in runs for m in r.metrics}
    wanted = [*(([contract.primary, *contract.guarded]) if contract is not None else []), *HEADLINE]
    chosen = [m for m in dict.fromkeys(wanted) if m in present]
    return (chosen or sorted(present))[:6]


def threshold_text(name: str, contract: Any) -> tuple[str | None, Callable[[float], bool] | None]:
    rule = (getattr(contract, "metrics", None) or {}).get(name)
    if rule is None or (rule.min is None and rule.max is None):
        return None, None
    if rule.min is not None:
        return f"≥ {format_value(name, rule.min)}", lambda v: v >= rule.min
    return f"≤ {format_value(name, rule.max)}", lambda v: v <= rule.max


def metric_row(name: str, value: float | None, contract: Any = None) -> dict[str, Any]:
    t = describe(name)
    bound, check = threshold_text(name, contract)
    ok = None if check is None or value is None or not math.isfinite(value) else bool(check(value))
    role = ("primary" if contract is not None and name == contract.primary
            else "guarded" if contract is not None and name in contract.guarded else "")
    return {"name": name, "t": t, "value": format_value(name, value), "threshold": bound, "ok": ok, "role": role}


def metric_families(values: Mapping[str, float], contract: Any = None) -> list[dict[str, Any]]:
    """A run's overall metrics grouped by family (answers, refusals, retrieval, ...), each with its
    plain name, definition, value and the contract's threshold."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for name, value in values.items():
        row = metric_row(name, value, contract)
        groups.setdefault(row["t"].family, []).append(row)
    return [{"family": f, "title": FAMILIES[f], "rows": groups[f]} for f in FAMILIES if f in groups]


def key_metrics(values: Mapping[str, float], contract: Any) -> list[dict[str, Any]]:
    """The contract's primary, guarded and thresholded metrics the run has, primary first."""
    names = [contract.primary, *contract.guarded, *contract.metrics]
    return [metric_row(n, values.get(n), contract) for n in dict.fromkeys(names) if n in values]


def cohort_tables(cohorts: Mapping[str, Mapping[str, Any]], shown: Sequence[str]) -> list[dict[str, Any]]:
    """A run's cohorts grouped by tag key: [{key, metrics, rows: [{cohort, n, cells}]}]."""
    by_key: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for label, v in cohorts.items():
        key, _, value = label.partition("=")
        by_key.setdefault(key, []).append((value, v))
    return [{"key": key, "metrics": [describe(m) for m in shown],
             "rows": [{"cohort": value, "n": v.get("n", 0),
                       "cells": [format_value(m, (v.get("metrics") or {}).get(m)) for m in shown]}
                      for value, v in sorted(rows)]}
            for key, rows in sorted(by_key.items())]


def comparison_row(r: Any) -> dict[str, Any]:
    """One comparison row for a table: values as a person reads them, the verdict and the
    statistics (fields the statistics module may add — family, statement — when present)."""
    ok = math.isfinite(r.ci_low) and math.isfinite(r.ci_high)
    return {"metric": r.metric, "t": describe(r.metric), "cohort": r.cohort or "overall", "n": r.n,
            "baseline": format_value(r.metric, r.baseline), "candidate": format_value(r.metric, r.candidate),
            "delta": format_delta(r.metric, r.delta),
            "ci": f"[{format_delta(r.metric, r.ci_low)}, {format_delta(r.metric, r.ci_high)}]" if ok else "–",
            "p": f"{r.p_adjusted:.3g}" if math.isfinite(r.p_adjusted) else "–", "verdict": r.verdict,
            "needed": r.items_needed, "family": getattr(r, "family", ""), "statement": getattr(r, "statement", ""),
            "same_as": getattr(r, "same_as", None)}


def confirmatory(contract: Any) -> list[str]:
    return list(dict.fromkeys([contract.primary, *contract.guarded]))


def forest_rows(rows: Sequence[Any], metric: str) -> list[dict[str, Any]]:
    """The rows of one metric for a forest plot: overall first, then the cohorts."""
    mine = [r for r in rows if r.metric == metric]
    mine.sort(key=lambda r: (r.cohort is not None, r.cohort or ""))
    return [{"label": r.cohort or "overall", "delta": r.delta, "lo": r.ci_low, "hi": r.ci_high, "verdict": r.verdict}
            for r in mine]


def plot_scale(metric: str) -> tuple[float, str]:
    """Shares are plotted in percentage points."""
    return (100.0, " pp") if describe(metric).kind == "share" else (1.0, "")


def regression_callouts(rows: Sequence[Any], contract: Any) -> list[str]:
    """Every guarded metric that regressed (overall or in a cohort), the primary first, each
    with its change and the cohorts where it regressed."""
    order = confirmatory(contract)
    out = []
    for m in order:
        bad = [r for r in rows if r.metric == m and r.verdict == "regressed"]
        if not bad:
            continue
        t = describe(m)
        overall = next((r for r in bad if r.cohort is None), None)
        cohorts = [r for r in bad if r.cohort is not None]
        head = f"{t.words} ({m}{', the primary metric' if m == contract.primary else ''}) got worse"
        parts = []
        if overall is not None:
            parts.append(f"overall: {format_value(m, overall.baseline)} → {format_value(m, overall.candidate)} "
                         f"({format_delta(m, overall.delta)}, n={overall.n})")
        if cohorts:
            parts.append("in " + ", ".join(f"{r.cohort} ({format_delta(m, r.delta)}, n={r.n})" for r in cohorts))
        out.append(f"{head} " + "; ".join(parts))
    return out


def grouped_warnings(rows: Sequence[Any], contract: Any, reasons: Sequence[Any] = ()) -> list[str]:
    """Warnings one line per metric: the guarded metrics' underpowered rows with the cohorts and
    the items needed, then the other warnings (regressions on unguarded metrics, small cohorts)."""
    out = []
    for m in confirmatory(contract):
        weak = [r for r in rows if r.metric == m and r.verdict == "underpowered"]
        if not weak:
            continue
        where = ", ".join(r.cohort or "overall" for r in weak[:6]) + (f" and {len(weak) - 6} more" if len(weak) > 6
                                                                     else "")
        needed = [r.items_needed for r in weak if r.items_needed]
        need = f"; about {min(needed):,}–{max(needed):,} items each would settle it" if needed else ""
        out.append(f"{describe(m).words} ({m}): too few items to rule out a drop of "
                   f"{format_delta(m, contract.tolerance_for(m)).lstrip('+')} in {len(weak)} place"
                   f"{'s' if len(weak) > 1 else ''} ({where}){need}")
    for r in reasons:
        if r.severity == "warn" and r.kind != "underpowered":
            out.append(r.detail)
    small = [r.cohort for r in reasons if r.severity == "warn" and r.kind == "underpowered" and r.metric is None]
    if small:
        out.append(f"{len(small)} cohort{'s are' if len(small) > 1 else ' is'} smaller than min_cohort_size "
                   f"{contract.min_cohort_size}: {', '.join(str(c) for c in small[:8])}"
                   + (f" and {len(small) - 8} more" if len(small) > 8 else ""))
    return out


def reason_lines(reasons: Sequence[Any]) -> list[dict[str, Any]]:
    words = {"threshold": "a threshold is missed", "cohort_regressed": "a guarded metric got worse",
             "underpowered": "too few items to rule out a drop",
             "must_pass": "a must-pass item failed", "error_rate": "too many errors",
             "production_weighted": "worse at the production mix"}
    return [{"kind": words.get(r.kind, r.kind.replace("_", " ")), "metric": r.metric,
             "t": describe(r.metric) if r.metric else None, "cohort": r.cohort, "detail": r.detail}
            for r in reasons if r.severity == "block"]


def split_rows(split: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The system/dataset split of each metric's change (core/compare.py `split_change`)."""
    out = []
    for m, s in (split or {}).items():
        def d(key: str, metric: str = m, part: Mapping[str, Any] = s) -> str:
            v = part.get(key)
            return format_delta(metric, float(v)) if isinstance(v, (int, float)) else "–"

        out.append({"metric": m, "t": describe(m), "baseline": format_value(m, s.get("baseline")),
                    "candidate": format_value(m, s.get("candidate")), "total": d("total_change"),
                    "system": d("system_part"), "dataset": d("dataset_part"), "added": d("added_items_part"),
                    "removed": d("removed_items_part"),
                    "n": f"{s.get('n_shared', '–')} shared; {s.get('n_baseline', '–')} → {s.get('n_candidate', '–')}"})
    return out


_EXAMPLE_LABELS = {"question": "question", "input": "input", "text": "text", "answer": "answer",
                   "prediction": "prediction", "summary": "summary", "gold": "gold", "label": "gold label",
                   "evidence": "evidence", "retrieved": "sources retrieved", "cited": "sources cited"}
_SKIP = {"id", "modes", "abstained"}


def example_fields(e: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An example failure as (label, text) pairs, whatever the task put in it."""
    out = []
    for key, value in e.items():
        if key in _SKIP or value in (None, "", [], {}):
            if key == "answer" and e.get("abstained"):
                out.append(("answer", "(abstained)"))
            continue
        text = "; ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
        if key == "answer" and e.get("abstained"):
            text = f"(abstained) {text}"
        out.append((_EXAMPLE_LABELS.get(key, key.replace("_", " ")), text if len(text) <= 600 else text[:600] + " …"))
    return out


PRODUCTION_TEXT = ("question", "answer", "gold")  # what a promoted production query brought with it


def redacted_example(e: Mapping[str, Any], redact: Callable[[str], str] | None) -> Mapping[str, Any]:
    """A failure example as a visitor may see it: a question promoted from production (and what
    was answered and given as gold for it) passes through today's redactor, on a copy, so a cached
    report is never changed. Examples written by the team are shown as they are."""
    if redact is None or not e.get("production"):
        return e
    return {k: ([redact(str(x)) for x in v] if isinstance(v, list) else redact(v) if isinstance(v, str) and v else v)
            if k in PRODUCTION_TEXT else v for k, v in e.items()}


def failure_rows(table: Any, redact: Callable[[str], str] | None = None) -> list[dict[str, Any]]:
    """The failure table (app/failures.py) for the templates: share, cumulative share, examples
    (production ones through `redact` when given: a page for a visitor without a session)."""
    return [{"mode": row["mode"], "count": row["count"], "share": f"{row['share']:.1%}",
             "cum": f"{row['cumulative']:.0%}", "description": row["description"],
             "examples": [{"id": e.get("id"), "fields": example_fields(redacted_example(e, redact))}
                          for e in row["examples"]]}
            for row in table.modes]


def production_examples(table: Any) -> int:
    """How many failure examples came from production."""
    return sum(1 for row in table.modes for e in row["examples"] if e.get("production"))


def glossary(names: Sequence[str]) -> list[MetricText]:
    """Every metric named, once, by family then name."""
    order = {f: i for i, f in enumerate(FAMILIES)}
    texts = [describe(n) for n in dict.fromkeys(names)]
    return sorted(texts, key=lambda t: (order[t.family], t.name))
