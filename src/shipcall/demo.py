"""`shipcall demo`: build the bundled sample workspace and run the loop on it, offline.

The sample (package data under shipcall/sample/) is the internal documentation of a fictional
company plus an evaluation dataset. The demo's story is measured, never scripted: whatever the
comparison finds is what it prints.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from importlib.resources import as_file, files
from pathlib import Path

from shipcall.workspace import Workspace
from shipcall.workspace_init import init_workspace

# The candidate is the change the demo evaluates: smaller, sentence-aligned chunks and more of
# them. Whether it ships is for the comparison to say.
DEMO_VARIANTS = """\
  candidate:
    extends: baseline
    description: smaller sentence-aligned chunks, more of them
    chunker: {kind: sentence, size: 60, overlap: 0}
    retriever: {k: 8}
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


def run_demo(target: Path, echo: Callable[[str], None]) -> int:
    from shipcall.feature import Feature
    from shipcall.generators.base import ABSTENTION
    from shipcall.ingest.corpus import ingest

    ws = build_workspace(target)
    echo(f"Sample workspace: {ws.root}")
    rep = ingest(ws, str(ws.root / "docs"))
    echo(f"Ingested {rep.ingested} documents (skipped {len(rep.skipped)}); corpus version {rep.corpus_version}\n")
    feature = Feature.open(ws, "baseline")
    for q in QUESTIONS:
        r = feature.answer(q)
        echo(f"Q: {q}")
        if r.answer.abstained:
            echo(f"A: {ABSTENTION} (support {r.answer.support:.2f} below min_score)")
        else:
            echo(f"A: {r.answer.text}")
            for i, c in enumerate(r.answer.citations, start=1):
                echo(f"   [{i}] {c.doc_id}" + (f" — {' > '.join(c.heading_path)}" if c.heading_path else ""))
        echo(f"   ({r.latency_ms['total']:.1f} ms)\n")
    return 0
