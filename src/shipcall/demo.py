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

# The candidate is the change the demo evaluates: a stricter abstention threshold (fewer wrong
# answers to questions the documents don't cover, at the risk of refusing answerable ones).
# Whether it ships is for the comparison and the contract to say.
DEMO_VARIANTS = """\
  candidate:
    extends: baseline
    description: stricter abstention (answer only with stronger support)
    generator: {min_score: 0.65}
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
    return evaluate(ws, echo)


def evaluate(ws: Workspace, echo: Callable[[str], None]) -> int:
    """The loop: import the dataset, run baseline and candidate, compare, name the failure
    modes, and make the call the contract demands. Whatever is measured is what is printed."""
    from shipcall.evidence import contract_for, gate
    from shipcall.ingest.datasets import import_dataset
    from shipcall.reports.text import print_decision, print_report
    from shipcall.runner import run

    rep = import_dataset(ws, str(ws.root / "dataset.jsonl"), "sample")
    ds = ws.store.load_dataset("sample", rep.version)
    echo(f"Dataset sample@{ds.version}: {len(ds.items)} items\n")
    runs = {}
    for name in ("baseline", "candidate"):
        r = run(ws, ds, name).run
        runs[name] = r
        m = r.metrics
        echo(f"Run {r.id} ({name}): contains_answer {m.get('contains_answer', 0):.3f}, "
             f"recall@5 {m.get('recall@5', 0):.3f}, false_answer_rate {m.get('false_answer_rate', 0):.3f}, "
             f"latency p95 {m.get('latency_ms_p95', 0):.1f} ms")
    echo("")
    contract = contract_for(ws, None)
    decision, report = gate(ws, runs["baseline"].id, runs["candidate"].id, contract,
                            note="shipcall demo", who="shipcall demo")
    print_report(report)
    cand = [x for x in report.candidate.results if x.failure_modes]
    if cand:
        from collections import Counter

        echo(f"\nFailure modes of the candidate ({len(cand)} of {len(report.candidate.results)} items failed)")
        for mode, n in Counter(x.failure_modes[0] for x in cand).most_common():
            echo(f"  {mode:<20}{n:>5}  {n / len(cand):>6.1%}")
    echo("")
    print_decision(decision, brief=True)
    echo(f"\nNext: shipcall --workspace {ws.root} failures {runs['candidate'].id} --by topic")
    return 0
