"""On the SQuAD 2.0 slice (paragraphs as documents, human questions as the reference): offline
drafts keep their gold in their evidence, cover most documents, and reach the same verdict as the
human questions when BM25 k=5 is cut to k=1 (recall@5 regressed). Slow: the full slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_review_cli import Cli


@pytest.mark.slow
def test_drafted_set_reaches_the_human_sets_verdict(squad_ws: Path, capsys) -> None:  # noqa: ANN001
    from shipcall.core.drafting.checks import gold_in, near_duplicate_rate

    with (squad_ws / "shipcall.yaml").open("a") as f:
        f.write("  base:\n    chunker: {kind: document}\n    retriever: {kind: bm25, k: 5}\n"
                "    generator: {kind: extractive}\n"
                "  narrow:\n    chunker: {kind: document}\n    retriever: {kind: bm25, k: 1}\n"
                "    generator: {kind: extractive}\n")
    cli = Cli(squad_ws, capsys)
    d = cli.json("dataset", "draft", "--name", "drafted", "--n", "300", "--accept", "--seed", "0")
    assert d["drafted"] >= 250
    docs = {p.name: p.read_text() for p in (squad_ws.parent / "corpus").iterdir()}
    answerable = [x for x in d["drafts"] if x["answerable"]]
    assert all(gold_in(x["answers"], [docs[e] for e in x["evidence"]]) for x in answerable)
    assert len(d["drafts"]) - len(answerable) >= 0.05 * len(d["drafts"])
    assert near_duplicate_rate([x["question"] for x in d["drafts"]]) == 0.0
    cov = cli.json("dataset", "coverage", "drafted")
    assert cov["covered_documents"] == len({e for x in answerable for e in x["evidence"]})
    assert cov["share"] >= 0.6
    for name in ("squad", "drafted"):
        base = cli.json("run", "--dataset", name, "--variant", "base")["run_id"]
        narrow = cli.json("run", "--dataset", name, "--variant", "narrow")["run_id"]
        rows = [r for r in json.loads(cli("compare", base, narrow, "--json"))["overall"] if r["metric"] == "recall@5"]
        assert rows[0]["verdict"] == "regressed", name
