"""Dense retrieval on a SciFact slice: agreement with raw sentence-transformers + NumPy, the
embedding cache, approximate search against exact, and the missing-extra message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from shipcall.config.schema import DenseRetriever


def _feature(ws, name: str):  # noqa: ANN001, ANN202
    from shipcall.app.feature import Feature

    return Feature.open(ws, name)


def test_dense_ranks_as_raw_sentence_transformers_and_numpy(dense_ws) -> None:  # noqa: ANN001
    from sentence_transformers import SentenceTransformer

    from shipcall.adapters.retrievers.dense import DenseIndex, resolve_model

    f = _feature(dense_ws, "densedoc")
    index = f.retriever
    assert isinstance(index, DenseIndex)
    path, local = resolve_model("all-MiniLM-L6-v2")
    assert local and Path(path, "config.json").is_file()  # the packaged copy, offline
    raw = SentenceTransformer(path, device="cpu")
    docs = {d.id: d for d in dense_ws.store.documents()}
    sample = index.chunks[:8]
    raw_vecs = raw.encode([docs[c.doc_id].text for c in sample], normalize_embeddings=True)
    np.testing.assert_allclose(index.searcher.vectors[:8], raw_vecs, atol=1e-4)
    assert index.searcher.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(index.searcher.vectors, axis=1), 1.0, atol=1e-5)
    ds = dense_ws.store.load_dataset("sf")
    for item in ds.items[:10]:
        q = raw.encode([item.question], normalize_embeddings=True)[0]
        want = np.argsort(-(index.searcher.vectors @ q), kind="stable")[:10]
        got = [sc.chunk.id for sc in index.retrieve(item.question, 10)]
        assert got == [index.chunks[i].id for i in want]


def test_dense_and_hybrid_runs_on_the_slice(dense_ws) -> None:  # noqa: ANN001
    from shipcall.app.run import run

    ds = dense_ws.store.load_dataset("sf")
    m = {v: run(dense_ws, ds, v).run.metrics for v in ("bm25doc", "densedoc", "hybriddoc", "rrfdoc")}
    for v, metrics in m.items():
        assert metrics["ndcg@10"] > 0.6, (v, metrics["ndcg@10"])
    # fusion never falls far below the better single method, and usually beats it
    best_single = max(m["bm25doc"]["ndcg@10"], m["densedoc"]["ndcg@10"])
    assert m["hybriddoc"]["ndcg@10"] >= best_single - 0.03
    assert m["hybriddoc"]["recall@10"] >= max(m["bm25doc"]["recall@10"], m["densedoc"]["recall@10"]) - 0.03


def test_hybrid_offers_term_weights_and_answers(dense_ws) -> None:  # noqa: ANN001
    f = _feature(dense_ws, "hybriddoc")
    stem = f.retriever.stem("proteins")
    assert stem == "protein"
    assert f.retriever.term_weight("zzzunseen") > f.retriever.term_weight(stem)
    r = f.answer("Which proteins regulate the cell cycle?")
    assert len(r.chunks) == 10 and [c.rank for c in r.chunks] == list(range(1, 11))
    d = _feature(dense_ws, "densedoc")
    assert d.retriever.term_weight("zzzunseen") > d.retriever.term_weight(stem)


def test_embedding_cache_never_embeds_an_unchanged_chunk(dense_ws, scifact_slice: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from shipcall.adapters.retrievers.dense import DenseIndex
    from shipcall.app.feature import chunk_corpus
    from shipcall.app.ingest import ingest
    from shipcall.app.workspace import Workspace

    # a second index of the same chunks (other ANN setting → other index): nothing embedded
    variant = dense_ws.config.variants["densedoc"].model_copy(
        update={"retriever": DenseRetriever(kind="dense", ann_threshold=100)})
    chunks = chunk_corpus(dense_ws, variant)
    again = DenseIndex.build(chunks, variant.retriever, tmp_path / "idx", cache_dir=dense_ws.state_dir / "embeddings")
    assert again.meta["embedded"] == 0 and again.meta["cached"] == len(chunks)
    # the approximate index was built (300 > 100) and its recall against exact search recorded
    ann = again.meta["ann"]
    assert ann["approximate"] and 0.85 <= ann["recall@10"] <= 1.0  # HNSW built on threads: not bit-reproducible
    assert json.loads((tmp_path / "idx" / "shipcall.json").read_text())["ann"]["recall@10"] == ann["recall@10"]
    assert (tmp_path / "idx" / "ann.usearch").is_file()
    reloaded = DenseIndex.load(tmp_path / "idx", variant.retriever)
    assert reloaded.searcher.ann is not None
    q = "cell cycle proteins"
    assert reloaded.retrieve(q, 5)[0].chunk.id == again.retrieve(q, 5)[0].chunk.id

    # re-ingest with one abstract changed: exactly one chunk embedded
    root = tmp_path / "copy"
    shutil.copytree(dense_ws.root, root)
    corpus = tmp_path / "corpus"
    shutil.copytree(scifact_slice, corpus)
    lines = (corpus / "corpus.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["text"] += " An added closing sentence."
    (corpus / "corpus.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    ws = Workspace(root)
    ingest(ws, str(corpus), "beir")
    version = ws.store.corpus_version()
    metas = [json.loads(p.read_text()) for p in (root / ".shipcall" / "index").glob(f"{version}-*/shipcall.json")]
    assert sorted((m["kind"], m.get("embedded")) for m in metas if m["n_chunks"] == len(chunks)) == [
        ("bm25", None), ("dense", 1)]  # one BM25 index (bm25doc = hybrid's side), one dense; one chunk embedded


def test_ann_recall_against_exact_on_random_unit_vectors() -> None:
    from shipcall.adapters.retrievers.dense import VectorSearch

    rng = np.random.default_rng(7)
    v = rng.standard_normal((5000, 64)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    exact = VectorSearch.build(v, ann_threshold=10_000)
    assert exact.ann is None and exact.ann_recall() == {"approximate": False}
    approx = VectorSearch.build(v, ann_threshold=1000, expansion=128)
    r = approx.ann_recall(k=10, queries=100)
    assert r["approximate"] and r["recall@10"] >= 0.9
    rows, scores = approx.search(v[3], 5)
    assert rows[0] == 3 and scores[0] == pytest.approx(1.0, abs=1e-4)
    rows, scores = exact.search(v[3], 5)
    assert rows[0] == 3 and list(scores) == sorted(scores, reverse=True)


BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('sentence_transformers', 'torch'):
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, Block())
from shipcall.cli.main import main
main(sys.argv[1:])
"""


@pytest.mark.slow  # subprocesses without the extra
def test_missing_extra_names_the_install_line(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    def sc(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", BLOCK, *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=120)

    assert sc("init", "ws").returncode == 0
    ws = tmp_path / "ws"
    with (ws / "shipcall.yaml").open("a") as f:
        f.write("  dense:\n    chunker: {kind: document}\n    retriever: {kind: dense}\n")
    p = sc("-w", str(ws), "ingest", str(FIXTURES / "corpus"))
    assert p.returncode == 0, p.stderr  # the documents go in; the dense index is reported as not built
    assert 'pip install -e ".[dense]"' in p.stderr
    assert sc("-w", str(ws), "dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t").returncode == 0
    p = sc("-w", str(ws), "run", "--dataset", "t", "--variant", "dense")
    assert p.returncode == 2
    assert 'pip install -e ".[dense]"' in p.stderr and "torch" in p.stderr and "Traceback" not in p.stderr
    p = sc("-w", str(ws), "run", "--dataset", "t", "--variant", "baseline", "--json")
    assert p.returncode == 0, p.stderr  # BM25 variants are unaffected


@pytest.mark.slow  # loads the embedding model
def test_the_first_dense_run_shows_embedding_progress_with_counts(ws, corpus_dir: Path,  # noqa: ANN001
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's 14 silent minutes: a dense variant added after ingest embeds at its first
    run; stderr (captured, not a terminal) gets the embed bar's lines with counts."""
    import re

    from shipcall.app.ingest import ingest
    from shipcall.cli.main import main
    from tests.conftest import FIXTURES

    pytest.importorskip("sentence_transformers")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("SHIPCALL_PROGRESS", "0")
    ingest(ws, str(corpus_dir))
    with (ws.root / "shipcall.yaml").open("a") as f:
        f.write("  dense:\n    chunker: {kind: document}\n    retriever: {kind: dense, k: 5}\n")
    for args in (["dataset", "import", str(FIXTURES / "dataset.jsonl"), "--name", "t"],
                 ["run", "--dataset", "t", "--variant", "dense", "--json"]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(["--workspace", str(ws.root), *args])
        assert e.value.code == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["n_items"] == 12
    assert re.findall(r"^embed:.*?\| *(\d+/\d+) ", err, re.M)[-1] == "6/6"
    assert re.findall(r"^run:.*?\| *(\d+/\d+) ", err, re.M)[-1] == "12/12"
