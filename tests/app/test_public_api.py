"""The public API (`shipcall/__init__.py`): the README's "Python API" example, run for real."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import shipcall

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_every_exported_name_resolves() -> None:
    for name in shipcall.__all__:
        assert getattr(shipcall, name) is not None, name


def test_importing_shipcall_loads_nothing_heavy() -> None:
    code = "import sys, shipcall; print(sorted(m for m in ('sqlalchemy', 'pydantic', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_example(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "corpus", tmp_path / "docs")
    root = shipcall.init_workspace(tmp_path / "ws", extra_variants=(
        "  candidate:\n    extends: baseline\n    generator: {min_score: 0.9}\n"))
    ws = shipcall.Workspace.open(root)
    report = shipcall.ingest(ws, str(tmp_path / "docs"))
    assert report.ingested == 6
    shipcall.import_dataset(ws, str(FIXTURES / "dataset.jsonl"), "support")
    dataset = ws.store.load_dataset("support")
    base = shipcall.run(ws, dataset, "baseline").run
    cand = shipcall.run(ws, dataset, "candidate").run
    decision, comparison = shipcall.gate(ws, base.id, cand.id, ws.contract())
    assert decision.verdict in ("SHIP", "WAIT")
    assert comparison.comparison.shared_items == len(dataset.items)
    assert shipcall.failures(ws, cand.id).n_items == len(dataset.items)
