"""Gather the evidence a report shows: `shipcall report run|compare|decision` and the /ui/ pages
(which render the same values with the same components). The verdict in words is the gate's
own first line (`core.narrative.gate_sentence`).

Nothing here knows which task produced a run: reports read per-item metric values, latencies,
failure modes and the dataset's items. The comparison and the gate's call come from
app/decisions.py (`gate(..., record_decision=False)`), the one definition of the test family,
so a report, its page and `shipcall gate` print the same rows and the same verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.app.decisions import ComparisonReport, RunEvidence, gate, load_run
from shipcall.app.failures import FailureTable, failure_table
from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.core.compare import CohortVerdict
from shipcall.core.gate import Decision
from shipcall.core.narrative import gate_sentence
from shipcall.core.runs import Run
from shipcall.errors import NotFoundError

REPORTS_DIR = "reports"
EXAMPLES = 3


def report_path(ws: Workspace, kind: str, *ids: str | int) -> Path:
    """The default file of a report: .shipcall/reports/KIND-ID[-ID].html."""
    safe = "-".join(str(i).replace("/", "_").replace("@", "_") for i in ids)
    return ws.state_dir / REPORTS_DIR / f"{kind}{'-' if safe else ''}{safe}.html"


def baseline_for(runs: list[Run], run: Run, baseline_variant: str) -> Run | None:
    """The run `run` is compared with: the newest finished run of the baseline variant (the
    workspace's first variant, which `serve` answers with) on the same dataset, preferring the
    same dataset version, started before `run` when there is one; None when `run` is that variant's
    own newest run or nothing fits."""
    same = [r for r in runs if r.variant == baseline_variant and r.dataset == run.dataset and r.id != run.id
            and r.status == "finished"]
    if not same:
        return None
    same.sort(key=lambda r: (r.dataset_version == run.dataset_version, r.started_at <= run.started_at,
                             r.started_at), reverse=True)
    best = same[0]
    if run.variant == baseline_variant and best.started_at > run.started_at:
        return None  # a newer run of the baseline itself is not its baseline
    return best


def history_runs(ws: Workspace, run: Run) -> list[Run]:
    """Finished runs of the same variant (by name) on the same dataset, oldest first."""
    runs = [r for r in ws.store.runs() if r.variant == run.variant and r.dataset == run.dataset
            and r.status == "finished"]
    return sorted(runs, key=lambda r: r.started_at)


def dataset_growth(ws: Workspace, name: str) -> list[dict[str, Any]]:
    return [{"version": v["version"], "n_items": v["n_items"], "created_at": v["created_at"]}
            for v in ws.store.dataset_versions(name)]


def latencies(ev: RunEvidence) -> list[float]:
    out = []
    for r in ev.results:
        v = (r.latency_ms or {}).get("total")
        if r.error is None and isinstance(v, (int, float)) and math.isfinite(v):
            out.append(float(v))
    return out


@dataclass
class RunReport:
    evidence: RunEvidence
    contract: Contract
    failures: FailureTable
    latencies: list[float]
    history: list[Run]
    growth: list[dict[str, Any]]
    baseline: Run | None
    unreviewed: int = 0  # items of the run's dataset version nobody reviewed (drafted with --accept)

    @property
    def run(self) -> Run:
        return self.evidence.run


def run_report(ws: Workspace, ref: str) -> RunReport:
    ev = load_run(ws, ref)
    contract = ws.contract()
    base = baseline_for(ws.store.runs(), ev.run, ws.config.default_variant)
    unreviewed = sum(not it.reviewed for it in ev.items.values())
    return RunReport(ev, contract, failure_table(ev, examples=EXAMPLES), latencies(ev), history_runs(ws, ev.run),
                     dataset_growth(ws, ev.run.dataset), base, unreviewed)


@dataclass
class CompareReport:
    """A comparison with the gate's call for the pair (not recorded: a report is no decision)."""

    report: ComparisonReport
    decision: Decision
    contract: Contract
    headline: str
    failures: FailureTable
    latencies: dict[str, list[float]]
    notes: list[str] = field(default_factory=list)

    @property
    def baseline(self) -> Run:
        return self.report.baseline.run

    @property
    def candidate(self) -> Run:
        return self.report.candidate.run


def dataset_note(b: Run, c: Run) -> str | None:
    if (b.dataset, b.dataset_version) == (c.dataset, c.dataset_version):
        return None
    return (f"The two runs used different datasets: {b.dataset}@{b.dataset_version} and "
            f"{c.dataset}@{c.dataset_version}. Paired results use the items both share; the change on the "
            f"others is the dataset's, not the system's (see the split below).")


def compare_report(ws: Workspace, baseline: str, candidate: str, *, weights: str = "eval") -> CompareReport:
    contract = ws.contract()
    decision, rep = gate(ws, baseline, candidate, contract, weights=weights, record_decision=False)
    c = rep.candidate.run
    text = gate_sentence(decision.to_dict(), rep.comparison.to_dict(), contract.primary, list(contract.guarded))
    notes = [n for n in [dataset_note(ws.store.get_run(baseline), c)] if n]  # the baseline asked for, not its re-run
    return CompareReport(rep, decision, contract, text, failure_table(rep.candidate, examples=EXAMPLES),
                         {"baseline": latencies(rep.baseline), "candidate": latencies(rep.candidate)}, notes)


@dataclass
class DecisionReport:
    """A recorded decision as stored (its verdict, reasons, checks, author, note and time), with
    the comparison recomputed from its two runs for the plots when they still exist."""

    record: dict[str, Any]
    decision: Decision
    headline: str
    rows: list[CohortVerdict]
    compared: CompareReport | None
    history: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)


def decision_report(ws: Workspace, decision_id: int | None = None) -> DecisionReport:
    rows = ws.store.decisions()
    calls = [r for r in rows if r["verdict"] in ("SHIP", "WAIT")]  # the default is the latest call, not a canary change
    if not calls:
        raise NotFoundError("no decision recorded yet", hint="run `shipcall gate --baseline RUN --candidate RUN`")
    record = calls[-1] if decision_id is None else next((r for r in rows if r["id"] == decision_id), None)
    if record is None:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    decision = Decision.from_dict(record)
    ev = record.get("evidence") or {}
    stored = [CohortVerdict.from_dict(r) for key in ("regressed", "improved", "underpowered") for r in ev.get(key, [])]
    contract = ws.contract()
    notes: list[str] = []
    compared = None
    if decision.baseline_run and decision.candidate_run:
        try:
            compared = compare_report(ws, decision.baseline_run, decision.candidate_run)
        except NotFoundError as e:
            notes.append(f"The plots are missing: {e.message}.")
    if compared is not None and decision.contract_hash and decision.contract_hash != contract.hash:
        notes.append(f"The contract changed since this decision (then {decision.contract_hash}, now {contract.hash}): "
                     "the plots and tables are recomputed under the current contract; the verdict and reasons "
                     "are the decision as recorded.")
    table = compared.report.comparison.rows if compared is not None else stored
    comparison = {"overall": [r.to_dict() for r in table if r.cohort is None],
                  "cohorts": [r.to_dict() for r in table if r.cohort is not None]}
    text = gate_sentence(record, comparison, contract.primary, list(contract.guarded))
    history = [{"id": r["id"], "verdict": r["verdict"], "override": bool(r.get("override")), "author": r["author"],
                "created_at": r["created_at"], "baseline_run": r.get("baseline_run"),
                "candidate_run": r.get("candidate_run"), "note": r.get("note", "")} for r in reversed(rows)]
    return DecisionReport(record, decision, text, table, compared, history, notes)
