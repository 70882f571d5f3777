"""Sweeps: run every combination of a grid of chunking and retrieval choices over one dataset,
as normal stored runs, and rank them against the base variant with honest statistics.

- A grid axis is a dotted key and its values: `chunker.kind=fixed,heading,sentence`. Each
  combination is the base variant with the axis values deep-merged in, created in memory and
  named `BASE[chunker.kind=fixed,chunker.size=128]`; shipcall.yaml is never touched.
- When an axis changes a section's `kind`, the base's keys that the new kind also has are kept
  (`k`, `size`, `overlap`), so `retriever.kind=dense` on a `{kind: bm25, k: 5}` base retrieves 5
  too; a BM25 base's settings become the `bm25:` side of a hybrid retriever.
- A combination that does not apply (`chunker.size` with `chunker.kind=document`, an overlap not
  below the size) is skipped with a note; combinations that resolve to the same variant run once.
- Indexes are shared by every combination with the same corpus, chunking and retriever settings
  (hybrid reuses the BM25 and dense indexes), embeddings come from the per-model cache, and a
  finished run of the same variant on the same dataset and corpus version is reused unless
  `rerun` is set.
- Each combination is compared with the base run (`core.compare.compare`, paired on shared
  items, overall only) on the table's per-item metrics. A difference is marked significant when
  its p-value, adjusted over every combination × metric test of the sweep (the contract's
  correction, Holm by default), is below the contract's alpha.
- Rows are ordered best first by the contract's primary metric (or `metric`; when the runs do
  not have it, ndcg@10, then the first metric they have). The table shows the contract's guarded
  metrics too, and the cost per 1,000 items.
- Each row carries the call `shipcall gate` would make for it against the base run (the same
  comparison and contract, nothing recorded), so a top-ranked combination that fails the gate
  is marked as such.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.config.errors import config_error
from shipcall.config.schema import Variant, deep_merge
from shipcall.core.compare import compare
from shipcall.core.datasets import Dataset
from shipcall.core.metrics.registry import metric_info
from shipcall.core.runs import Run
from shipcall.core.stats.corrections import adjust
from shipcall.core.tasks.base import Predictor
from shipcall.errors import ConfigError, CorpusError

SECTIONS = ("chunker", "retriever", "generator")
RETRIEVAL_METRICS = ("recall@5", "ndcg@10", "mrr@10")
ANSWER_METRICS = ("contains_answer", "f1", "false_answer_rate")
FALLBACK_PRIMARY = "ndcg@10"


@dataclass
class Combination:
    name: str
    settings: dict[str, Any]
    variant: Variant


@dataclass
class SweepRow:
    name: str
    settings: dict[str, Any]
    run: Run
    reused: bool
    index: dict[str, Any]
    vs_base: dict[str, dict[str, Any]] = field(default_factory=dict)
    is_base: bool = False
    gate: dict[str, Any] = field(default_factory=dict)  # {"verdict": SHIP|WAIT, "blocking": [reason details]}

    def to_dict(self) -> dict[str, Any]:
        from shipcall.core.runs import cost_per_1000

        return {"variant": self.name, "settings": self.settings, "run_id": self.run.id, "reused": self.reused,
                "is_base": self.is_base, "metrics": self.run.metrics, "n_items": self.run.n_items,
                "errors": self.run.errors, "index": self.index, "vs_base": self.vs_base,
                "cost_per_1000": cost_per_1000(self.run), "gate": self.gate}


@dataclass
class SweepReport:
    dataset: str
    dataset_version: int
    base: str
    primary: str
    higher_is_better: bool
    metrics: list[str]
    rows: list[SweepRow]
    skipped: list[dict[str, str]]
    alpha: float
    correction: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "dataset_version": self.dataset_version, "base": self.base,
                "primary": self.primary, "higher_is_better": self.higher_is_better, "metrics": self.metrics,
                "alpha": self.alpha, "correction": self.correction, "notes": self.notes,
                "rows": [r.to_dict() for r in self.rows], "skipped": self.skipped}


def parse_grid(specs: list[str]) -> list[tuple[str, list[Any]]]:
    """`chunker.size=128,256` → ("chunker.size", [128, 256]); values are read as YAML scalars."""
    axes: list[tuple[str, list[Any]]] = []
    for spec in specs:
        key, sep, raw = spec.partition("=")
        key = key.strip()
        parts = key.split(".")
        if not sep or not raw.strip() or len(parts) < 2 or parts[0] not in SECTIONS or not all(parts):
            raise ConfigError(f"bad grid axis {spec!r}", field="--grid",
                              hint="write SECTION.KEY=V1,V2,... with SECTION one of chunker, retriever, generator "
                                   "(e.g. --grid chunker.size=128,256,512)")
        if any(k == key for k, _ in axes):
            raise ConfigError(f"grid axis {key!r} given twice", field="--grid",
                              hint="list all its values in one --grid")
        values = []
        for v in raw.split(","):
            try:
                values.append(yaml.safe_load(v.strip()))
            except yaml.YAMLError:
                values.append(v.strip())
        axes.append((key, values))
    if not axes:
        raise ConfigError("no grid given", field="--grid", hint="e.g. --grid retriever.kind=bm25,dense,hybrid")
    return axes


def _model_fields(section: str, kind: str) -> set[str] | None:
    """The keys a section of that kind accepts (None: unknown kind, left to validation)."""
    from shipcall.adapters.registry import CHUNKERS, GENERATORS, RETRIEVERS
    from shipcall.config.schema import builtin_models

    model = builtin_models(section).get(kind)
    if model is None:
        registry = {"chunker": CHUNKERS, "retriever": RETRIEVERS, "generator": GENERATORS}.get(section)
        if registry is not None and kind in registry:
            model = getattr(registry.get(kind), "config_model", None)
    return set(model.model_fields) if model is not None else None


def _switch_kind(section: str, old: dict[str, Any], kind: str) -> dict[str, Any]:
    """A section of a new kind that keeps the base's keys the new kind also has."""
    keep = _model_fields(section, kind)
    new: dict[str, Any] = {"kind": kind}
    if keep is not None:
        new.update({k: v for k, v in old.items() if k in keep and k != "kind"})
        if section == "retriever" and kind == "hybrid" and old.get("kind") in ("bm25", "dense"):
            side = _model_fields("retriever", old["kind"]) or set()
            new[old["kind"]] = {k: v for k, v in old.items() if k in side and k not in ("kind", "k")}
    return new


def combinations(base: Variant, base_name: str, axes: list[tuple[str, list[Any]]]
                 ) -> tuple[list[Combination], list[dict[str, str]]]:
    """Every combination of the grid applied to the base: (the valid ones, the skipped with a reason).

    A key that does not apply to the combination's kind (`chunker.size` for `document`) is
    dropped from it, so such combinations collapse into one; when a new `size` is not above the
    base's `overlap`, the overlap keeps the base's overlap/size ratio."""
    out: list[Combination] = []
    skipped: list[dict[str, str]] = []
    seen: dict[str, str] = {base.hash: base_name}
    keys = [k for k, _ in axes]
    base_dump = base.resolved()
    for values in itertools.product(*(v for _, v in axes)):
        resolved = base.resolved()
        applied: dict[str, Any] = {}
        # kinds first, so that the other keys land in the section of the new kind
        for key, value in sorted(zip(keys, values, strict=True), key=lambda kv: not kv[0].endswith(".kind")):
            section, *path = key.split(".")
            if path == ["kind"]:
                if value != resolved[section].get("kind"):
                    resolved[section] = _switch_kind(section, resolved[section], value)
                applied[key] = value
                continue
            fields = _model_fields(section, resolved[section].get("kind"))
            if fields is not None and path[0] not in fields:
                continue  # does not apply to this kind
            override: Any = value
            for p in reversed(path):
                override = {p: override}
            resolved[section] = deep_merge(resolved[section], override)
            applied[key] = value
        settings = {k: applied[k] for k in keys if k in applied}
        name = f"{base_name}[{','.join(f'{k}={_show(v)}' for k, v in settings.items())}]"
        _fit_overlap(resolved["chunker"], base_dump["chunker"], settings)
        try:
            variant = Variant.model_validate(resolved)
        except ValidationError as e:
            err = config_error(e, Variant)
            skipped.append({"variant": name, "reason": f"{err.field}: {err.message}"})
            continue
        if variant.hash in seen:
            if seen[variant.hash] != name:
                skipped.append({"variant": name, "reason": f"same configuration as {seen[variant.hash]}"})
            continue
        seen[variant.hash] = name
        out.append(Combination(name, settings, variant))
    return out, skipped


def _fit_overlap(chunker: dict[str, Any], base: dict[str, Any], settings: dict[str, Any]) -> None:
    """A grid size at or below the base's overlap: keep the base's overlap/size ratio instead."""
    size, overlap = chunker.get("size"), chunker.get("overlap")
    if size is None or overlap is None or "chunker.overlap" in settings or overlap < size:
        return
    ratio = (base.get("overlap") or 0) / (base.get("size") or size)
    chunker["overlap"] = min(size - 1, int(round(size * ratio)))


def _show(v: Any) -> str:
    return json.dumps(v) if isinstance(v, dict | list) or v is None else str(v)


def _reusable(ws: Workspace, predictor: Predictor, variant: Variant, ds: Dataset, limit: int | None) -> Run | None:
    """A finished run with the same identity (the runner's definition, prompt hash included)."""
    from shipcall.app.run import run_identity

    ident = run_identity(predictor, ds, variant, ks=ws.config.evaluation.k, limit=limit)
    return next((r for r in ws.store.runs() if r.status == "finished" and ident.matches(r)), None)


def index_info(ws: Workspace, variant: Variant, corpus_version: str) -> dict[str, Any]:
    """Size on disk and build time of the indexes a variant reads (a hybrid's two sides summed)."""
    from shipcall.app.feature import index_paths

    size, seconds, embedded = 0, 0.0, 0
    for path in index_paths(ws, variant, corpus_version):
        if not path.is_dir():
            continue
        size += sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
        try:
            meta = json.loads((path / "shipcall.json").read_text())
        except (OSError, ValueError):
            continue
        seconds += float(meta.get("build_seconds") or 0)
        embedded += int(meta.get("embedded") or 0)
    return {"bytes": size, "build_seconds": round(seconds, 3), "embedded": embedded}


def sweep(ws: Workspace, ds: Dataset, base_name: str | None, grid: list[str], contract: Contract, *,
          metric: str | None = None, rerun: bool = False, limit: int | None = None,
          on_start: Callable[[int, int, str], object] | None = None,
          progress: Callable[[int, int], object] | None = None) -> SweepReport:
    from shipcall.app.run import run_variant
    from shipcall.app.tasks import task_for

    base_name, base = ws.variant(base_name)
    axes = parse_grid(grid)
    combos, skipped = combinations(base, base_name, axes)
    version = ws.store.corpus_version()
    if version is None:
        raise CorpusError("the workspace has no corpus yet", hint="run `shipcall ingest PATH` first")
    if any(v.retriever.kind in ("dense", "hybrid") for v in [base, *(c.variant for c in combos)]):
        from shipcall.adapters.retrievers.dense import require_extra

        require_extra()  # fail before the first run, not after an hour of them
    todo = [(base_name, {}, base, True), *((c.name, c.settings, c.variant, False) for c in combos)]
    rows: list[SweepRow] = []
    for i, (name, settings, variant, is_base) in enumerate(todo, start=1):
        if on_start:
            on_start(i, len(todo), name)
        predictor = task_for(ws, variant).build(ws, name, variant)
        found = None if rerun else _reusable(ws, predictor, variant, ds, limit)
        r = found or run_variant(ws, ds, name, variant, limit=limit, progress=progress, predictor=predictor).run
        rows.append(SweepRow(name, settings, r, found is not None, index_info(ws, variant, version), is_base=is_base))

    present = set.intersection(*(set(r.run.metrics) for r in rows)) if rows else set()
    primary = metric or contract.primary
    notes: list[str] = []
    if primary not in present:
        fallback = FALLBACK_PRIMARY if FALLBACK_PRIMARY in present else next(iter(sorted(present)), primary)
        notes.append(f"the runs have no {primary!r}; ranked by {fallback!r}")
        primary = fallback
    info = metric_info(primary)
    higher = info.higher_is_better if info else True
    shown = [m for m in dict.fromkeys([primary, *contract.guarded, *RETRIEVAL_METRICS, *ANSWER_METRICS])
             if m in present]
    _mark_significance(ws, rows, shown, contract)
    _mark_gate(ws, rows, contract)
    ordered = sorted(rows, key=lambda r: (-(r.run.metrics[primary]) if higher else r.run.metrics[primary],
                                          r.run.metrics.get("latency_ms_p50", 0.0)))
    return SweepReport(ds.name, ds.version, base_name, primary, higher, shown, ordered, skipped,
                       float(contract.alpha), str(contract.correction), notes)


def _mark_gate(ws: Workspace, rows: list[SweepRow], contract: Contract) -> None:
    """The gate's call for each row against the base run (the base against itself: its thresholds)."""
    from shipcall.app.decisions import gate

    for row in rows:
        decision, _ = gate(ws, rows[0].run.id, row.run.id, contract, record_decision=False)
        row.gate = {"verdict": decision.verdict, "blocking": [r.detail for r in decision.blocking]}


def _mark_significance(ws: Workspace, rows: list[SweepRow], shown: list[str], contract: Contract) -> None:
    from shipcall.app.decisions import load_run

    per_item = [m for m in shown if getattr(metric_info(m), "per_item", False)]
    base = load_run(ws, rows[0].run.id)
    tags = {i: it.tags for i, it in base.items.items()}
    tests: list[tuple[SweepRow, str, dict[str, Any]]] = []
    for row in rows[1:]:
        cand = load_run(ws, row.run.id)
        cmp = compare(base.values, cand.values, tags, contract, cohort_keys=[], metrics=per_item)
        for v in cmp.overall:
            d = v.to_dict()
            tests.append((row, v.metric, {k: d[k] for k in ("n", "delta", "ci_low", "ci_high", "p_value", "test")}
                          | {"verdict": v.verdict}))
    if not tests:
        return
    adjusted = adjust([t[2]["p_value"] if t[2]["p_value"] is not None else 1.0 for t in tests], contract.correction)
    for (row, m, d), p in zip(tests, adjusted, strict=True):
        info = metric_info(m)
        better = d["delta"] is not None and ((d["delta"] > 0) == (info.higher_is_better if info else True))
        sig = bool(p < contract.alpha) and d["delta"] not in (None, 0)
        row.vs_base[m] = d | {"p_sweep_adjusted": float(p), "significant": sig,
                              "direction": ("better" if better else "worse") if sig else None}
