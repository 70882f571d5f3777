"""Gather evidence from the store for compare, failures, dataset health and the gate, and
record decisions. The judgement itself is in the pure core (compare, gate, health, failures)."""

from __future__ import annotations

import getpass
import os
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from shipcall.adapters.clock import now
from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.core.compare import Comparison, compare
from shipcall.core.datasets import Item
from shipcall.core.gate import Decision, decide
from shipcall.core.health import HealthReport, check_health
from shipcall.core.judge import noise_callouts
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.runs import ItemResult, Run
from shipcall.errors import NotFoundError


def author() -> str:
    return os.environ.get("SHIPCALL_AUTHOR") or os.environ.get("USER") or getpass.getuser() or "unknown"



@dataclass
class RunEvidence:
    run: Run
    results: list[ItemResult]
    items: dict[str, Item]

    @property
    def values(self) -> dict[str, dict[str, float]]:
        return {r.item_id: r.metrics for r in self.results if r.error is None}


def load_run(ws: Workspace, ref: str) -> RunEvidence:
    run = ws.store.get_run(ref)
    results = ws.store.item_results(run.id)
    ds = ws.store.load_dataset(run.dataset, run.dataset_version)
    return RunEvidence(run, results, {it.id: it for it in ds.items})


@dataclass
class ComparisonReport:
    baseline: RunEvidence
    candidate: RunEvidence
    comparison: Comparison
    failure_shift: list[dict[str, Any]]
    health: HealthReport | None
    production: Any = None  # core.weights.ProductionWeights with --weights production

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline.run.id, "candidate": self.candidate.run.id,
            **self.comparison.to_dict(),
            "failure_modes": self.failure_shift,
            "dataset_health": self.health.to_dict() if self.health else None,
            **({"production_weights": self.production.to_dict()} if self.production is not None else {}),
        }


def decision_metrics(contract: Contract) -> list[str]:
    """The gate's pre-registered family: the per-item metrics the contract names (thresholds,
    guarded, primary). Declaring them before building is what keeps the family small enough
    to detect a cohort regression; `compare` alone explores every metric."""
    from shipcall.core.metrics.registry import metric_info

    names = [contract.primary, *contract.guarded, *contract.metrics]
    return [m for m in dict.fromkeys(names) if (info := metric_info(m)) is not None and info.per_item]


def compare_runs(ws: Workspace, baseline: str, candidate: str, contract: Contract,
                 by: list[str] | None = None, *, seed: int = 0, metrics: list[str] | None = None,
                 weights: str = "eval") -> ComparisonReport:
    """`weights="production"` adds the cohort results re-weighted to the production log's mix."""
    b, c = load_run(ws, baseline), load_run(ws, candidate)
    tags = {i: it.tags for i, it in b.items.items()} | {i: it.tags for i, it in c.items.items()}
    cmp = compare(b.values, c.values, tags, contract, cohort_keys=by or None, seed=seed, metrics=metrics)
    if noisy := noise_callouts(cmp.overall, b.run.metrics, c.run.metrics):  # LLM-judge deltas within its noise
        cmp = replace(cmp, callouts=[*cmp.callouts, *noisy])
    health = dataset_health(ws, c.run.dataset, c.run.dataset_version, contract, by)
    production = None
    if weights == "production":
        from shipcall.app.production import weights_for

        production = weights_for(ws, b.values, c.values, b.items | c.items, contract,
                                 [r.metric for r in cmp.overall], by, seed=seed)
    return ComparisonReport(b, c, cmp, failure_shift(b.results, c.results), health, production)


def failure_shift(base: list[ItemResult], cand: list[ItemResult]) -> list[dict[str, Any]]:
    """Primary failure-mode counts in both runs, largest change first."""
    cb = Counter(r.failure_modes[0] for r in base if r.failure_modes)
    cc = Counter(r.failure_modes[0] for r in cand if r.failure_modes)
    rows = [{"mode": m, "baseline": cb[m], "candidate": cc[m], "delta": cc[m] - cb[m]} for m in set(cb) | set(cc)]
    return sorted(rows, key=lambda r: (-abs(r["delta"]), r["mode"]))


def dataset_health(ws: Workspace, name: str, version: int | None, contract: Contract,
                   by: list[str] | None = None) -> HealthReport:
    store = ws.store
    ds = store.load_dataset(name, version)
    docs = {d.id: d for d in store.documents()}
    first_seen = store.document_first_seen()
    changed_at = {d.id: first_seen.get((d.id, d.hash), "") for d in docs.values()}
    versions = [v for v in store.dataset_versions(name) if v["version"] <= ds.version]
    added: dict[str, str] = {}
    for v in versions:  # the time each item (as it is now) first appeared in the dataset
        for it in store.load_dataset(name, v["version"]).items:
            current = next((x for x in ds.items if x.id == it.id), None)
            if current is not None and it.id not in added and it.to_dict() == current.to_dict():
                added[it.id] = v["created_at"]
    runs = [r for r in store.runs() if r.dataset == name and r.dataset_version == ds.version
            and r.status == "finished"]
    by_variant: dict[str, Run] = {}
    for r in runs:  # newest run per distinct variant configuration
        by_variant.setdefault(r.variant_hash, r)
    run_failures = [{x.item_id: x.failure_modes for x in store.item_results(r.id)} for r in by_variant.values()]
    return check_health(
        ds.items,
        doc_texts={i: normalize_answer(d.text) for i, d in docs.items()},
        doc_changed_at=changed_at, item_added_at=added, run_failures=run_failures,
        cohort_keys=by or contract.cohorts, min_cohort_size=contract.min_cohort_size,
    )


def gate(ws: Workspace, baseline: str, candidate: str, contract: Contract, *, note: str = "",
         who: str | None = None, weights: str = "eval") -> tuple[Decision, ComparisonReport]:
    report = compare_runs(ws, baseline, candidate, contract, metrics=decision_metrics(contract), weights=weights)
    c = report.candidate
    decision = decide(
        report.comparison, contract, candidate_metrics=c.run.metrics, candidate_items=c.values,
        candidate_errors=c.run.errors, candidate_n=c.run.n_items, baseline_run=report.baseline.run.id,
        candidate_run=c.run.id, author=who or author(), note=note, created_at=now(),
        baseline_metrics=report.baseline.run.metrics)
    if report.production is not None:  # --weights production: a guarded metric regressed at production's mix
        from shipcall.core.gate import _KIND_ORDER
        from shipcall.core.weights import weighted_reasons

        reasons = sorted([*decision.reasons, *weighted_reasons(report.production, contract)],
                         key=lambda r: (r.severity != "block", _KIND_ORDER[r.kind]))
        checks = list(decision.checks)
        if not any(r.kind == "production_weighted" for r in reasons):
            checks.append(f"production_weighted: no guarded metric regressed at the production cohort mix "
                          f"({report.production.n_queries} logged queries)")
        decision = replace(decision, reasons=reasons, checks=checks,
                           verdict="WAIT" if any(r.severity == "block" for r in reasons) else "SHIP")
    record(ws, decision, report)
    return decision, report


def record(ws: Workspace, decision: Decision, report: ComparisonReport | None) -> int:
    evidence: dict[str, Any] = {}
    if report is not None:
        cmp = report.comparison
        evidence = {
            "callouts": cmp.callouts,
            "regressed": [r.to_dict() for r in cmp.rows if r.verdict == "regressed"],
            "improved": [r.to_dict() for r in cmp.rows if r.verdict == "improved"],
            "underpowered": [r.to_dict() for r in cmp.rows if r.verdict == "underpowered"][:50],
            "failure_modes": report.failure_shift,
            "baseline_metrics": report.baseline.run.metrics,
            "candidate_metrics": report.candidate.run.metrics,
            "baseline_variant": report.baseline.run.variant,
            "candidate_variant": report.candidate.run.variant,
            "dataset": f"{report.candidate.run.dataset}@{report.candidate.run.dataset_version}",
            "health": report.health.counts() if report.health else {},
        }
        if report.production is not None:
            evidence["production_weights"] = report.production.to_dict()
    return ws.store.add_decision(decision.to_dict() | {"evidence": evidence, "checks": decision.checks})


def override_decision(ws: Workspace, verdict: str, note: str, *, decision_id: int | None = None,
                      who: str | None = None) -> tuple[int, dict[str, Any], Decision]:
    """Record a person's call over a gate decision (default: the latest), keeping its evidence.
    Returns the new decision's id, the decision overridden (as stored) and the new Decision."""
    from shipcall.core.gate import override

    rows = ws.store.decisions()
    if not rows:
        raise NotFoundError("no decision to override", hint="run `shipcall gate` first")
    base = rows[-1] if decision_id is None else next((r for r in rows if r["id"] == decision_id), None)
    if base is None:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    d = override(Decision.from_dict(base), verdict=verdict, author=who or author(), note=note,  # type: ignore[arg-type]
                 created_at=now())
    new_id = ws.store.add_decision(d.to_dict() | {"evidence": base["evidence"] | {"overrides": base["id"]}})
    return new_id, base, d
