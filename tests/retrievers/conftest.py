"""A small SciFact slice (300 abstracts, the judged queries whose evidence is in it), ingested
once per test session into a workspace with bm25, dense and hybrid variants (document chunks).

Embedding 300 abstracts with the packaged MiniLM takes ~20 s on 2 cores; every test that
needs embeddings shares this one workspace (and its embedding cache)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import data_dir, require_data

SLICE_DOCS = 300
SLICE_QUERIES = 60

VARIANTS = """\
  bm25doc:
    chunker: {kind: document}
    retriever: {kind: bm25, k: 10}
  densedoc:
    chunker: {kind: document}
    retriever: {kind: dense, k: 10}
  hybriddoc:
    chunker: {kind: document}
    retriever: {kind: hybrid, k: 10}
  rrfdoc:
    chunker: {kind: document}
    retriever: {kind: hybrid, k: 10, fusion: rrf, rrf_k: 60, weights: {bm25: 1.0, dense: 1.0}}
"""


def write_slice(src: Path, dst: Path, n_docs: int = SLICE_DOCS, n_queries: int = SLICE_QUERIES) -> None:
    """The evidence of the first `n_queries` judged queries, then other abstracts up to `n_docs`."""
    qrels: dict[str, list[str]] = {}
    for i, line in enumerate((src / "qrels" / "train.tsv").read_text().splitlines()):
        if i == 0:
            continue
        q, d, s = line.split("\t")
        if int(s) > 0:
            qrels.setdefault(q, []).append(d)
    chosen = dict(list(qrels.items())[:n_queries])
    wanted = {d for ds in chosen.values() for d in ds}
    docs = [json.loads(x) for x in (src / "corpus.jsonl").read_text().splitlines() if x.strip()]
    picked = [d for d in docs if d["_id"] in wanted]
    picked += [d for d in docs if d["_id"] not in wanted][: n_docs - len(picked)]
    (dst / "qrels").mkdir(parents=True)
    (dst / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in picked))
    queries = [json.loads(x) for x in (src / "queries.jsonl").read_text().splitlines() if x.strip()]
    (dst / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries if q["_id"] in chosen))
    (dst / "qrels" / "train.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, ds in chosen.items() for d in ds))


@pytest.fixture(scope="session")
def scifact_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = require_data(data_dir() / "scifact-train")
    pytest.importorskip("sentence_transformers")
    dst = tmp_path_factory.mktemp("scifact") / "slice"
    write_slice(src, dst)
    return dst


@pytest.fixture(scope="session")
def dense_ws(tmp_path_factory: pytest.TempPathFactory, scifact_slice: Path):  # noqa: ANN201 - a Workspace
    from shipcall.app.datasets import import_dataset
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    root = init_workspace(tmp_path_factory.mktemp("dense") / "ws", extra_variants=VARIANTS)
    ws = Workspace(root)
    ingest(ws, str(scifact_slice), "beir")
    import_dataset(ws, str(scifact_slice), "sf", fmt="beir", split="train")
    return ws
