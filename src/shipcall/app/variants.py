"""`shipcall variants` and `shipcall report variants`: the variants side by side on one dataset —
quality with its interval, the guarded metrics, latency, cost per 1,000 items, index size — with
the Pareto-optimal variants marked and each variant compared with the baseline.

- A row is a variant's newest finished run on the dataset version (default: the newest version
  any finished run used). Variants without a run on it are named in `notes`.
- Quality is the contract's primary metric (its 95% interval: Wilson for 0/1 values, Student's t
  otherwise; core/stats/mean.py). Cost per 1,000 items = the run's cost (tokens × the configured
  prices) / items × 1,000, so 0 for offline variants. Index size: the variant's index files.
- Pareto-optimal: no other variant is at least as good on quality, latency p95 and cost per
  1,000 and better on one (core/frontier.py); a dominated row names one variant that dominates it.
- Against the baseline (the newest run of the workspace's first variant): the gate's comparison
  for each other row (`gate(..., record_decision=False)`: the same family and adjusted p-values
  as `shipcall gate`), its overall rows for the primary and guarded metrics, and the gate's call.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shipcall.app.decisions import gate, load_run
from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.core.frontier import pareto
from shipcall.core.metrics.registry import metric_info
from shipcall.core.runs import Run, cost_per_1000
from shipcall.core.stats.mean import mean_interval
from shipcall.errors import NotFoundError


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


@dataclass
class VariantRow:
    variant: str
    run: Run
    metrics: dict[str, float | None]
    primary_ci: tuple[float | None, float | None]
    latency_ms_p50: float | None
    latency_ms_p95: float | None
    cost_per_1000: float
    index_mb: float | None
    is_baseline: bool = False
    pareto: bool = False
    dominated_by: str | None = None
    vs_baseline: dict[str, dict[str, Any]] | None = None
    gate: str | None = None
    gate_reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "variant": self.variant, "run_id": self.run.id,
            "dataset": f"{self.run.dataset}@{self.run.dataset_version}",
            "metrics": self.metrics, "latency_ms_p50": self.latency_ms_p50, "latency_ms_p95": self.latency_ms_p95,
            "cost_per_1000": self.cost_per_1000, "index_mb": self.index_mb,
            "pareto": self.pareto, "dominated_by": self.dominated_by,
            "primary_ci": list(self.primary_ci), "baseline": self.is_baseline,
            "vs_baseline": self.vs_baseline, "gate": self.gate,
        }


@dataclass
class VariantsReport:
    dataset: str
    version: int
    primary: str
    higher_is_better: bool
    guarded: list[str]
    rows: list[VariantRow]
    baseline: str | None
    notes: list[str] = field(default_factory=list)

    def to_list(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self.rows]


def _default_dataset(runs: list[Run]) -> str:
    finished = [r for r in runs if r.status == "finished"]
    if not finished:
        raise NotFoundError("no finished run yet", hint="run a variant first: `shipcall run --dataset NAME`")
    return max(finished, key=lambda r: r.started_at).dataset


def _index_mb(ws: Workspace, run: Run) -> float | None:
    """Size of the variant's index files (None when the run's variant config has no index)."""
    from shipcall.app.sweep import index_info
    from shipcall.config.schema import Variant

    try:
        variant = Variant.model_validate((run.config or {}).get("variant") or {})
        size = index_info(ws, variant, run.corpus_version)["bytes"]
    except Exception:  # a task without an index, or a variant this version cannot read: no size
        return None
    return round(size / 1e6, 3)


def variants(ws: Workspace, dataset: str | None = None, contract: Contract | None = None, *,
             progress: Callable[[int, int], object] | None = None) -> VariantsReport:
    """The variants table of `dataset` (NAME or NAME@VERSION; default: the dataset of the newest run).
    `progress(done, total)` is called as each variant is compared with the baseline (about a
    second each: the gate's comparison with its bootstrap)."""
    contract = contract or ws.contract()
    runs = ws.store.runs()
    name, _, ver = (dataset or _default_dataset(runs)).partition("@")
    on = [r for r in runs if r.dataset == name and r.status == "finished"]
    if not on:
        raise NotFoundError(f"no finished run on dataset {name!r}",
                            hint=f"run a variant on it: `shipcall run --dataset {name}`")
    version = int(ver) if ver.isdigit() else max(r.dataset_version for r in on)
    latest: dict[str, Run] = {}
    for r in sorted((r for r in on if r.dataset_version == version), key=lambda r: r.started_at):
        latest[r.variant] = r  # the newest run of each variant
    if not latest:
        raise NotFoundError(f"no finished run on {name}@{version}",
                            hint=f"run a variant: `shipcall run --dataset {name}`")
    notes = [f"{v} has no finished run on {name}@{version} (`shipcall run --variant {v} --dataset {name}`)"
             for v in sorted({r.variant for r in on} - set(latest))]
    primary = contract.primary
    info = metric_info(primary)
    higher = info.higher_is_better if info is not None else True
    shown = list(dict.fromkeys([primary, *contract.guarded, *contract.metrics]))
    base_name = ws.config.default_variant if ws.config.default_variant in latest else None
    if base_name is None:
        notes.append(f"the baseline variant {ws.config.default_variant} has no run on {name}@{version}: "
                     "no comparison with it")
    rows: list[VariantRow] = []
    for variant, run in latest.items():
        ev = load_run(ws, run.id)
        _, lo, hi = mean_interval([v[primary] for v in ev.values.values() if primary in v])
        rows.append(VariantRow(
            variant=variant, run=run, metrics={m: _num(run.metrics.get(m)) for m in shown if m in run.metrics},
            primary_ci=(_num(lo), _num(hi)), latency_ms_p50=_num(run.metrics.get("latency_ms_p50")),
            latency_ms_p95=_num(run.metrics.get("latency_ms_p95")), cost_per_1000=cost_per_1000(run),
            index_mb=_index_mb(ws, run), is_baseline=variant == base_name))
    sign = -1.0 if higher else 1.0
    points = [(None if r.metrics.get(primary) is None else sign * float(r.metrics[primary] or 0.0),
               r.latency_ms_p95, r.cost_per_1000) for r in rows]
    for row, dom in zip(rows, pareto(points), strict=True):
        row.pareto = dom is None
        row.dominated_by = None if dom is None else rows[dom].variant
    if base_name is not None:
        _against_baseline(ws, rows, latest[base_name], contract, progress)
    rows.sort(key=lambda r: (not r.is_baseline, not r.pareto, sign * (r.metrics.get(primary) or 0.0)))
    return VariantsReport(name, version, primary, higher, list(contract.guarded), rows, base_name, notes)


def _against_baseline(ws: Workspace, rows: list[VariantRow], base: Run, contract: Contract,
                      progress: Callable[[int, int], object] | None) -> None:
    keep = {contract.primary, *contract.guarded}
    for i, row in enumerate(rows):
        if progress is not None:
            progress(i, len(rows))
        decision, rep = gate(ws, base.id, row.run.id, contract, record_decision=False)
        row.gate = decision.verdict
        row.gate_reasons = [r.detail for r in decision.blocking]
        if row.is_baseline:
            continue
        row.vs_baseline = {
            r.metric: {"delta": _num(r.delta), "ci_low": _num(r.ci_low), "ci_high": _num(r.ci_high),
                       "p_adjusted": _num(r.p_adjusted), "verdict": r.verdict}
            for r in rep.comparison.overall if r.metric in keep}
    if progress is not None:
        progress(len(rows), len(rows))
