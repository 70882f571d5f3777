"""`shipcall demo`: build the bundled sample workspace and run the loop on it, offline.

The sample (package data under shipcall/sample/) is the internal documentation of a fictional
company plus an evaluation dataset. The demo's story is measured, never scripted: whatever the
comparison finds is what it prints.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shipcall.app.init import init_workspace
from shipcall.app.workspace import Workspace
from shipcall.core.failures import pareto

if TYPE_CHECKING:
    from shipcall.app.decisions import ComparisonReport
    from shipcall.app.feature import Response
    from shipcall.core.datasets import Dataset
    from shipcall.core.gate import Decision
    from shipcall.core.runs import Run

# The candidate is the change the demo evaluates: a stricter abstention threshold (fewer wrong
# answers to questions the documents don't cover, at the risk of refusing answerable ones).
# Whether it ships is for the comparison and the contract to say.
DEMO_VARIANTS = """\
  candidate:
    extends: baseline
    description: stricter abstention (answer only with stronger support)
    generator: {min_score: 0.3}
"""

QUESTIONS = [
    "How many days of paid time off do full-time employees get?",
    "Which VPN client do I need to install to work remotely?",
    "What is the parental leave policy for employees in our Brazil office?",
]


def sample_path() -> Path:
    return Path(str(files("shipcall") / "sample"))


def build_workspace(target: Path) -> Workspace:
    """Copy the sample documents and dataset into `target` and write its config."""
    with as_file(files("shipcall") / "sample") as src:
        src = Path(src)
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src / "docs", target / "docs", dirs_exist_ok=True)
        shutil.copy2(src / "dataset.jsonl", target / "dataset.jsonl")
        contract = (src / "contract.yaml").read_text(encoding="utf-8") if (src / "contract.yaml").is_file() else None
    init_workspace(target, force=True, corpus_path="docs", extra_variants=DEMO_VARIANTS, contract_yaml=contract)
    return Workspace(target.resolve())


@dataclass
class DemoOutcome:
    """What the demo did, for the CLI to render: example answers, the runs, the call."""

    workspace: Workspace
    ingested: Any  # app.ingest.IngestReport
    answers: list[tuple[str, Response]]
    dataset: Dataset
    runs: dict[str, Run]
    decision: Decision
    report: ComparisonReport
    failure_counts: list[tuple[str, int]] = field(default_factory=list)


def run_demo(target: Path) -> DemoOutcome:
    """Build the sample workspace in `target`, ingest it, answer the example questions, then
    import the dataset, run baseline and candidate, compare and make the contract's call.
    Whatever is measured is what the CLI prints."""
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import gate
    from shipcall.app.feature import Feature
    from shipcall.app.ingest import ingest
    from shipcall.app.run import run

    ws = build_workspace(target)
    rep = ingest(ws, str(ws.root / "docs"))
    feature = Feature.open(ws, "baseline")
    answers = [(q, feature.answer(q)) for q in QUESTIONS]
    imported = import_dataset(ws, str(ws.root / "dataset.jsonl"), "sample")
    ds = ws.store.load_dataset("sample", imported.version)
    runs = {name: run(ws, ds, name).run for name in ("baseline", "candidate")}
    decision, report = gate(ws, runs["baseline"].id, runs["candidate"].id, ws.contract(),
                            note="shipcall demo", who="shipcall demo")
    failed = [x for x in report.candidate.results if x.failure_modes]
    counts = [(mode, count) for mode, count, _ in pareto(failed)]
    return DemoOutcome(ws, rep, answers, ds, runs, decision, report, counts)
