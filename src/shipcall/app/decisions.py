"""Gather evidence from the store for compare, failures, dataset health and the gate, and
record decisions. The judgement itself is in the pure core (compare, gate, health, failures)."""

from __future__ import annotations

import getpass
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from shipcall.adapters.clock import now
from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.core.compare import Comparison, compare
from shipcall.core.datasets import Dataset, Item
from shipcall.core.gate import Decision, Reason, decide
from shipcall.core.health import HealthReport, check_health
from shipcall.core.judge import noise_callouts
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.runs import ItemOutcome, ItemResult, Run
from shipcall.errors import NotFoundError

if TYPE_CHECKING:
    from shipcall.adapters.store.peek import Reader
    from shipcall.adapters.store.store import Store


def author() -> str:
    return os.environ.get("SHIPCALL_AUTHOR") or os.environ.get("USER") or getpass.getuser() or "unknown"



class Loader:
    """Reads runs and datasets once per comparison: `compare` reads both runs' dataset (often the
    same version), and dataset health the same dataset and runs again."""

    def __init__(self, ws: Workspace) -> None:
        self.store = ws.reader
        self._datasets: dict[tuple[str, int | None], Dataset] = {}
        self._outcomes: dict[str, list[ItemOutcome]] = {}

    def dataset(self, name: str, version: int | None) -> Dataset:
        key = (name, version)
        if key not in self._datasets:
            ds = self.store.load_dataset(name, version)
            self._datasets[key] = self._datasets[(name, ds.version)] = ds
        return self._datasets[key]

    def outcomes(self, run_id: str) -> list[ItemOutcome]:
        if run_id not in self._outcomes:
            self._outcomes[run_id] = self.store.item_outcomes(run_id)
        return self._outcomes[run_id]


class RunEvidence:
    """A run, its items and its results. `outcomes` (metrics, error and failure modes per item)
    is all a comparison reads; the full `results` are read from the store on first use."""

    def __init__(self, run: Run, outcomes: list[ItemOutcome], items: dict[str, Item],
                 store: Reader | Store | None = None, results: list[ItemResult] | None = None) -> None:
        self.run, self.outcomes, self.items = run, outcomes, items
        self._store, self._results = store, results

    @property
    def results(self) -> list[ItemResult]:
        if self._results is None:
            if self._store is None:
                raise RuntimeError("RunEvidence without a store or results")
            self._results = self._store.item_results(self.run.id)
        return self._results

    @property
    def values(self) -> dict[str, dict[str, float]]:
        return {r.item_id: r.metrics for r in self.outcomes if r.error is None}


def load_run(ws: Workspace, ref: str, loader: Loader | None = None) -> RunEvidence:
    loader = loader or Loader(ws)
    run = ws.reader.get_run(ref)
    ds = loader.dataset(run.dataset, run.dataset_version)
    return RunEvidence(run, loader.outcomes(run.id), {it.id: it for it in ds.items}, ws.reader)


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


_PAID_OR_SLOW = {"openai", "anthropic", "dense", "hybrid"}


def _kinds(obj: Any) -> set[str]:
    if isinstance(obj, dict):
        out = {str(obj["kind"])} if "kind" in obj else set()
        for v in obj.values():
            out |= _kinds(v)
        return out
    if isinstance(obj, list):
        return set().union(*(_kinds(v) for v in obj)) if obj else set()
    return set()


def offline_and_cheap(run: Run) -> bool:
    """A variant that answers with no provider, no embedding model and no judge (bm25,
    extractive, the offline classifiers and summarizers): re-running it costs seconds."""
    cfg = run.config or {}
    return "judge" not in cfg and "generator" not in cfg and not (_kinds(cfg.get("variant")) & _PAID_OR_SLOW)


def baseline_on(ws: Workspace, base: RunEvidence, cand: RunEvidence, loader: Loader | None = None,
                ) -> tuple[RunEvidence | None, str, str | None]:
    """The baseline variant measured on the candidate's dataset version (core/split.py): an
    existing finished run, or a new one when the variant is offline and cheap. Returns (run or
    None, what was done, the command that would measure it)."""
    b, c = base.run, cand.run
    command = f"shipcall run --variant {b.variant} --dataset {c.dataset}@{c.dataset_version}"
    for r in ws.reader.runs():
        if (r.status == "finished" and r.variant_hash == b.variant_hash and r.dataset == c.dataset
                and r.dataset_version == c.dataset_version and r.corpus_version == b.corpus_version):
            found = f"the baseline variant's run {r.id} on {c.dataset}@{c.dataset_version}"
            return load_run(ws, r.id, loader), found, command
    if not offline_and_cheap(b):
        return None, "the baseline variant calls a provider or an embedding model: not re-run automatically", command
    try:
        from shipcall.app.feature import Feature
        from shipcall.app.run import run as run_variant

        if Feature.open(ws, b.variant).variant_hash != b.variant_hash:
            return None, f"variant {b.variant} has changed since run {b.id}: not re-run automatically", command
        ds = ws.store.load_dataset(c.dataset, c.dataset_version)
        out = run_variant(ws, ds, b.variant)
    except Exception as e:  # the comparison still stands on the shared items; say why
        return None, f"could not re-run the baseline variant ({type(e).__name__}: {e})", command
    return (load_run(ws, out.run.id),
            f"ran the baseline variant {b.variant} on {c.dataset}@{c.dataset_version} (run {out.run.id}): it is "
            "offline and cheap", command)


def compare_runs(ws: Workspace, baseline: str, candidate: str, contract: Contract,
                 by: list[str] | None = None, *, seed: int = 0, metrics: list[str] | None = None,
                 weights: str = "eval") -> ComparisonReport:
    """The comparison every command shows (compare, gate, the pages): one confirmatory family
    from the contract, so a row has one adjusted p-value everywhere. When the runs used different
    versions of a dataset, the baseline is paired on the candidate's items (re-run when offline
    and cheap; core/split.py). `weights="production"` adds the cohort results re-weighted to the
    production log's mix."""
    loader = Loader(ws)
    b, c = load_run(ws, baseline, loader), load_run(ws, candidate, loader)
    tags = {i: it.tags for i, it in b.items.items()} | {i: it.tags for i, it in c.items.items()}
    paired_base, previous, command, how = b, None, None, None
    if (b.run.dataset, b.run.dataset_version) != (c.run.dataset, c.run.dataset_version) and \
            set(b.values) != set(c.values):
        again, how, command = baseline_on(ws, b, c, loader)
        if again is not None:
            paired_base, previous = again, b.values
    cmp = compare(paired_base.values, c.values, tags, contract, cohort_keys=by or None, seed=seed, metrics=metrics,
                  previous_baseline=previous, rerun_command=command)
    if how:
        cmp = replace(cmp, notes=[*cmp.notes, f"dataset versions differ: {how}"])
    if noisy := noise_callouts(cmp.overall, b.run.metrics, c.run.metrics):  # LLM-judge deltas within its noise
        cmp = replace(cmp, callouts=[*cmp.callouts, *noisy])
    health = dataset_health(ws, c.run.dataset, c.run.dataset_version, contract, by, loader)
    production = None
    if weights == "production":
        from shipcall.app.production import weights_for

        production = weights_for(ws, paired_base.values, c.values, b.items | c.items, contract,
                                 [r.metric for r in cmp.overall], by, seed=seed)
    return ComparisonReport(paired_base, c, cmp, failure_shift(paired_base.outcomes, c.outcomes), health,
                            production)


def failure_shift(base: Sequence[ItemOutcome | ItemResult], cand: Sequence[ItemOutcome | ItemResult],
                  ) -> list[dict[str, Any]]:
    """Primary failure-mode counts in both runs, largest change first."""
    cb = Counter(r.failure_modes[0] for r in base if r.failure_modes)
    cc = Counter(r.failure_modes[0] for r in cand if r.failure_modes)
    rows = [{"mode": m, "baseline": cb[m], "candidate": cc[m], "delta": cc[m] - cb[m]} for m in set(cb) | set(cc)]
    return sorted(rows, key=lambda r: (-abs(r["delta"]), r["mode"]))


def dataset_health(ws: Workspace, name: str, version: int | None, contract: Contract,
                   by: list[str] | None = None, loader: Loader | None = None) -> HealthReport:
    loader = loader or Loader(ws)
    store = ws.reader
    ds = loader.dataset(name, version)
    docs = {d.id: d for d in store.documents()}
    first_seen = store.document_first_seen()
    changed_at = {d.id: first_seen.get((d.id, d.hash), "") for d in docs.values()}
    return check_health(
        ds.items,
        doc_texts=_Normalized({i: d.text for i, d in docs.items()}),
        doc_changed_at=changed_at, item_added_at=_added_at(store, loader, ds),
        run_failures=[{x.item_id: x.failure_modes for x in loader.outcomes(r.id)} for r in _newest_runs(store, ds)],
        cohort_keys=by or contract.cohorts, min_cohort_size=contract.min_cohort_size,
    )


def _added_at(store: Reader | Store, loader: Loader, ds: Dataset) -> dict[str, str]:
    """When each item, as it is now, first appeared in the dataset: the first version (oldest
    first) holding it with its current content."""
    current = {it.id: it for it in ds.items}
    current_dicts: dict[str, dict[str, Any]] = {}
    added: dict[str, str] = {}
    for v in store.dataset_versions(ds.name):
        if v["version"] > ds.version:
            continue
        if v["version"] == ds.version:  # every current item is as it is now
            added.update({i: v["created_at"] for i in current if i not in added})
            continue
        for it in loader.dataset(ds.name, v["version"]).items:
            if it.id in current and it.id not in added:
                now_dict = current_dicts.get(it.id) or current_dicts.setdefault(it.id, current[it.id].to_dict())
                if it.to_dict() == now_dict:
                    added[it.id] = v["created_at"]
    return added


def _newest_runs(store: Reader | Store, ds: Dataset) -> list[Run]:
    """The newest finished run on this dataset version per distinct variant configuration."""
    by_variant: dict[str, Run] = {}
    for r in store.runs():
        if r.dataset == ds.name and r.dataset_version == ds.version and r.status == "finished":
            by_variant.setdefault(r.variant_hash, r)
    return list(by_variant.values())


class _Normalized(Mapping[str, str]):
    """Document id → answer-normalised text, normalised on first use: health looks only at the
    documents items cite (all of them only for an item that cites none it knows)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self._texts = texts
        self._done: dict[str, str] = {}

    def __getitem__(self, key: str) -> str:
        if key not in self._done:
            self._done[key] = normalize_answer(self._texts[key])
        return self._done[key]

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


def gate(ws: Workspace, baseline: str, candidate: str, contract: Contract, *, note: str = "",
         who: str | None = None, weights: str = "eval", record_decision: bool | None = None,
         ) -> tuple[Decision, ComparisonReport]:
    """Apply the contract and record the decision. The comparison is exactly `compare`'s (the
    same families, rows and p-values). An A/A gate (a run against itself) is a check of the
    set-up, not a decision: it is recorded only with `record_decision=True` (`--record`)."""
    report = compare_runs(ws, baseline, candidate, contract, weights=weights)
    c = report.candidate
    extra: tuple[list[Reason], list[str]] = ([], [])
    if report.production is not None:  # --weights production: a guarded metric regressed at production's mix
        from shipcall.core.weights import weighted_reasons

        extra = (list(weighted_reasons(report.production, contract)), [])
        if not extra[0]:
            extra[1].append(f"production_weighted: no guarded metric regressed at the production cohort mix "
                            f"({report.production.n_queries} logged queries)")
    decision = decide(
        report.comparison, contract, candidate_metrics=c.run.metrics, candidate_items=c.values,
        candidate_errors=c.run.errors, candidate_n=c.run.n_items, baseline_run=report.baseline.run.id,
        candidate_run=c.run.id, author=who or author(), note=note, created_at=now(),
        baseline_metrics=report.baseline.run.metrics, extra=extra)
    same = report.baseline.run.id == report.candidate.run.id
    if record_decision or (record_decision is None and not same):
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
            "task": report.candidate.run.task,
            "health": report.health.counts() if report.health else {},
        }
        if report.production is not None:
            evidence["production_weights"] = report.production.to_dict()
    return ws.store.add_decision(decision.to_dict() | {"evidence": evidence, "checks": decision.checks})


def override_decision(ws: Workspace, verdict: str | None, note: str, *, decision_id: int | None = None,
                      who: str | None = None, accept: bool = False) -> tuple[int, dict[str, Any], Decision]:
    """Record a person's call on a gate decision (default: the latest), keeping its evidence:
    `accept=True` agrees with its verdict, with a note (`decide --accept`); otherwise `verdict`
    overrides it. Returns the new decision's id, the decision decided on (as stored) and the new
    Decision; the new decision's evidence says which (`accepts` or `overrides`)."""
    from dataclasses import replace

    from shipcall.core.gate import override
    from shipcall.errors import ConfigError

    if accept == (verdict is not None):
        raise ConfigError("give exactly one of --accept and --override SHIP|WAIT", field="--accept",
                          hint='e.g. shipcall decide --accept --note "checked the finance items by hand"')
    rows = ws.store.decisions()
    calls = [r for r in rows if r["verdict"] in ("SHIP", "WAIT")]  # not the canary's changes
    if not calls:
        raise NotFoundError("no decision to decide on", hint="run `shipcall gate` first")
    base = calls[-1] if decision_id is None else next((r for r in rows if r["id"] == decision_id), None)
    if base is None:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    if accept:
        if not note.strip():
            raise ConfigError("an accepted decision needs a note", field="--note")
        d = replace(Decision.from_dict(base), author=who or author(), note=note, created_at=now(), override=False)
        link = {"accepts": base["id"]}
    else:
        d = override(Decision.from_dict(base), verdict=verdict, author=who or author(), note=note,  # type: ignore[arg-type]
                     created_at=now())
        link = {"overrides": base["id"]}
    evidence = {k: v for k, v in base["evidence"].items() if k != "void"} | link
    new_id = ws.store.add_decision(d.to_dict() | {"evidence": evidence})
    return new_id, base, d


def void_decision(ws: Workspace, decision_id: int, note: str, *, who: str | None = None) -> dict[str, Any]:
    """Mark a decision void (a test of the set-up): kept in the history, left out of case studies
    and narratives."""
    from shipcall.errors import ConfigError

    if not note.strip():
        raise ConfigError("voiding a decision needs a note giving its reason", field="--note")
    return ws.store.void_decision(decision_id, note=note.strip(), author=who or author(), at=now())
