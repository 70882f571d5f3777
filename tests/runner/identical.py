"""Per-item run results in a canonical, comparable form, and the fixtures that pin them.

The run loop was made faster (issue 21: sentence analysis stored with the index, stems reused,
aggregation from memory) under one promise: every item's result stays what it was. The
fixtures under tests/fixtures/runloop/ were written by the code *before* that work and the
tests compare today's runs against them, field by field (latency excepted):

    python -m tests.runner.identical sample   # rewrite sample_results.json (the bundled sample, 5 variants)
    python -m tests.runner.identical scifact  # rewrite scifact_digests.json (SciFact train, 809 items)

Rewrite a fixture only for a change that is meant to change answers, and say so in its commit.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "runloop"
SAMPLE_FIXTURE = FIXTURE_DIR / "sample_results.json"
SCIFACT_FIXTURE = FIXTURE_DIR / "scifact_digests.json"

# Variants over the bundled sample that reach every path of the extractive generator: headings,
# lists, tables, FAQ questions, neighbouring sentences, typed spans, abstention.
SAMPLE_VARIANTS = """\
  candidate:
    extends: baseline
    generator: {min_score: 0.3}
  sentences:
    chunker: {kind: sentence, size: 120, overlap: 20}
    retriever: {kind: bm25, k: 8}
    generator: {kind: extractive, max_sentences: 1}
  fixed:
    chunker: {kind: fixed, size: 60, overlap: 10}
    retriever: {kind: bm25, k: 6, stemmer: null}
    generator: {kind: extractive, min_score: 0.1}
  doc:
    chunker: {kind: document}
    retriever: {kind: bm25, k: 10}
    generator: {kind: extractive, max_sentences: 3}
"""
SAMPLE_RUN = ("baseline", "candidate", "sentences", "fixed", "doc")


def canonical(result: Any) -> dict[str, Any]:
    """An ItemResult as plain JSON values, without what legitimately varies (latency)."""
    d = asdict(result)
    d.pop("latency_ms", None)
    return json.loads(json.dumps(d, sort_keys=True))


def digest(result: Any) -> str:
    return hashlib.sha256(json.dumps(canonical(result), sort_keys=True).encode()).hexdigest()[:20]


def stable(metrics: dict[str, Any]) -> dict[str, Any]:
    """Run or cohort figures without the latency percentiles (they vary from run to run)."""
    return {k: stable(v) if isinstance(v, dict) else v for k, v in metrics.items() if not k.startswith("latency")}


def summary(result: Any) -> dict[str, Any]:
    """What a reader checks first when a digest differs, beside the digest of everything."""
    c = canonical(result)
    return {"digest": digest(result), "answer": c["answer"], "abstained": c["abstained"], "support": c["support"],
            "failure_modes": c["failure_modes"]}


def _run_all(ws: Any, dataset: Any, variants: tuple[str, ...]) -> dict[str, Any]:
    from shipcall.app.run import run

    out: dict[str, Any] = {}
    for name in variants:
        outcome = run(ws, dataset, name)
        results = ws.store.item_results(outcome.run.id)
        out[name] = {"metrics": stable(outcome.run.metrics), "cohorts": stable(outcome.run.cohorts),
                     "items": {r.item_id: summary(r) for r in results}}
    return json.loads(json.dumps(out, sort_keys=True))


def sample_results(root: Path) -> dict[str, Any]:
    """Every variant of SAMPLE_RUN over the bundled sample workspace built in `root`."""
    from shipcall.app.datasets import import_dataset
    from shipcall.app.demo import build_workspace
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    ws = build_workspace(root)
    init_workspace(root, force=True, corpus_path="docs", extra_variants=SAMPLE_VARIANTS)
    ws = Workspace(root)
    ingest(ws, str(root / "docs"), show_progress=False)
    imported = import_dataset(ws, str(root / "dataset.jsonl"), "sample")
    return _run_all(ws, ws.store.load_dataset("sample", imported.version), SAMPLE_RUN)


def scifact_workspace(root: Path, data: Path) -> Any:
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    init_workspace(root)
    ws = Workspace(root)
    ingest(ws, str(data), fmt="beir", show_progress=False)
    import_dataset(ws, str(data), "beir", fmt="beir", split="train")
    return ws


def scifact_digests(root: Path, data: Path) -> dict[str, Any]:
    """The default variant over SciFact's 809 train queries: run metrics and one digest per item."""
    from shipcall.app.run import run

    ws = scifact_workspace(root, data)
    outcome = run(ws, ws.store.load_dataset("beir"), None)
    results = sorted(ws.store.item_results(outcome.run.id), key=lambda r: r.item_id)
    return json.loads(json.dumps({"metrics": stable(outcome.run.metrics),
                                  "items": {r.item_id: digest(r) for r in results}}, sort_keys=True))


def main(argv: list[str]) -> int:
    FIXTURE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        if "sample" in argv:
            SAMPLE_FIXTURE.write_text(json.dumps(sample_results(Path(tmp) / "sample"), indent=1, sort_keys=True)
                                      + "\n", encoding="utf-8")
        if "scifact" in argv:
            from tests.conftest import data_dir

            got = scifact_digests(Path(tmp) / "scifact", data_dir() / "scifact-train")
            SCIFACT_FIXTURE.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
