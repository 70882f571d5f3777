"""`shipcall contract check`: validate contract.yaml, and (in a workspace with data) check that
it fits the data: its cohorts against a dataset's items, its thresholds against the latest run
of the baseline variant on that dataset (core/contract_fit.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.app.workspace import Workspace
from shipcall.config.contract import Contract
from shipcall.config.load_contract import load_contract
from shipcall.core.contract_fit import FitWarning, cohort_warnings, must_pass_warnings, threshold_warnings
from shipcall.errors import NotFoundError


@dataclass
class ContractCheck:
    file: str
    contract: Contract
    dataset: str | None = None        # NAME@VERSION checked against
    n_items: int = 0
    baseline_run: str | None = None   # the run whose metrics the thresholds were checked against
    baseline_variant: str | None = None
    warnings: list[FitWarning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "valid": True, "hash": self.contract.hash, "contract": self.contract.to_dict(),
                "dataset": self.dataset, "baseline_run": self.baseline_run,
                "warnings": [w.to_dict() for w in self.warnings], "notes": self.notes}


def check_contract(ws: Workspace | None, path: str | None = None, dataset_ref: str | None = None) -> ContractCheck:
    """Validate the contract (`path`, else the workspace's contract.yaml); with a workspace,
    check it against `dataset_ref` (NAME or NAME@VERSION; default: the newest dataset) and the
    latest finished run of the baseline variant (the first in shipcall.yaml) on it."""
    from shipcall.app.datasets import parse_ref

    if path is None:
        if ws is None:
            raise NotFoundError("no contract file given and no workspace here",
                                hint="run inside a workspace, or pass the contract file")
        path = str(ws.contract_path)
    contract = load_contract(Path(path))
    out = ContractCheck(file=path, contract=contract)
    if ws is None:
        return out
    versions = ws.store.dataset_versions()
    if dataset_ref is None and not versions:
        out.notes.append("no dataset yet: import one (`shipcall dataset import FILE --name NAME`) to check the "
                         "cohorts and thresholds against it")
        return out
    if dataset_ref is None:
        newest = max(versions, key=lambda r: (r["created_at"], r["version"]))
        name, version = newest["name"], newest["version"]
    else:
        name, version = parse_ref(dataset_ref)
    ds = ws.store.load_dataset(name, version)
    out.dataset, out.n_items = f"{ds.name}@{ds.version}", len(ds.items)
    out.warnings += cohort_warnings(contract, (getattr(it, "tags", {}) for it in ds.items), out.dataset)
    out.warnings += must_pass_warnings(contract, (it.id for it in ds.items), out.dataset)
    baseline = ws.config.default_variant
    run = next((r for r in ws.store.runs() if r.variant == baseline and r.dataset == ds.name
                and r.status == "finished"), None)
    if run is None:
        out.notes.append(f"no finished run of {baseline} on {ds.name} yet: `shipcall run --dataset {ds.name}` "
                         "shows which thresholds are within reach")
        return out
    out.baseline_run, out.baseline_variant = run.id, baseline
    out.warnings += threshold_warnings(contract, run.metrics, run.id)
    return out
