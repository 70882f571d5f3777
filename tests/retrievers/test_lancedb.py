"""`index: lancedb`: dense retrieval from an on-disk LanceDB IVF index above `ann_threshold`.

The fast tests use seeded random unit vectors put straight into the embedding cache (the model
is not the point); the end-to-end test through `shipcall ingest` / `ask` embeds and is slow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("lancedb")

DIM = 32


def clustered(n: int, seed: int = 0, dim: int = DIM, noise: float = 0.6) -> np.ndarray:
    """Unit vectors around n // 50 random centres: structured like embeddings, unlike uniform noise
    (a larger `noise` blurs the clusters: neighbours then lie across more IVF partitions)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((max(n // 50, 2), dim))
    v = centres[rng.integers(0, len(centres), n)] + noise * rng.standard_normal((n, dim))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32)


def between(v: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """Queries halfway between two stored vectors: near the data, never on a stored point."""
    rng = np.random.default_rng(seed)
    q = v[rng.integers(0, len(v), n)] + v[rng.integers(0, len(v), n)]
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def exact_top(v: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    return np.argsort(-(v @ q), kind="stable")[:k].tolist()


def test_search_returns_the_cosines_of_the_vectors_it_finds(tmp_path: Path) -> None:
    from shipcall.adapters.retrievers.lance import LanceSearch

    v = clustered(2000)
    s = LanceSearch.create(v, tmp_path / "l", partitions=None, nprobes=45)  # √2000 = 45 partitions: all probed
    rows, scores = s.search(v[7], 10)
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(scores, v[rows] @ v[7], atol=1e-5)  # exact cosines, not approximations
    assert list(scores) == sorted(scores, reverse=True)
    q = between(v, 5)
    assert rows.tolist() == exact_top(v, v[7], 10)
    for i, (r, sc) in enumerate(s.search_many(q, 10)):  # one LanceDB call for many queries, same answers
        one_r, one_s = s.search(q[i], 10)
        assert r.tolist() == one_r.tolist() and np.allclose(sc, one_s)
    assert s.search(v[0], 0)[0].size == 0 and len(s.search(v[0], 10_000)[0]) == 2000  # k clamps to n


def test_recall_at_10_against_exact_search_is_computed_as_the_overlap(tmp_path: Path) -> None:
    """recall@10 = |approximate top 10 ∩ exact top 10| / 10, averaged: checked against LanceDB's
    own query API and NumPy, with a known answer at both ends (every partition probed: 1.0)."""
    from shipcall.adapters.retrievers.lance import LanceSearch

    v = clustered(4000)
    qs = between(v, 60)
    few = LanceSearch.create(v, tmp_path / "l", partitions=16, nprobes=1)
    got = few.ann_recall(k=10, query_vectors=qs)
    assert got["approximate"] and got["queries"] == 60
    hits = 0
    for q in qs:  # the table straight through lancedb, not through LanceSearch
        raw = few.table.search(q).distance_type("dot").nprobes(1).limit(10).select(["row", "_distance"]).to_arrow()
        if raw.num_rows < 10:  # a partition with fewer than k vectors: LanceSearch probes on, and so does this
            raw = few.table.search(q).distance_type("dot").minimum_nprobes(1).maximum_nprobes(0).limit(10) \
                .select(["row", "_distance"]).to_arrow()
        hits += len(set(raw["row"].to_pylist()) & set(exact_top(v, q, 10)))
    assert got["recall@10"] == pytest.approx(hits / 600)
    assert got["recall@10"] < 1.0  # one of 16 partitions misses neighbours across a boundary
    every = LanceSearch(few.table, few.n, nprobes=16, vectors=v).ann_recall(k=10, query_vectors=qs)
    assert every["recall@10"] == 1.0  # IVF_FLAT with every partition probed is exact search
    more = LanceSearch(few.table, few.n, nprobes=4, vectors=v)
    assert got["recall@10"] <= more.ann_recall(k=10, query_vectors=qs)["recall@10"] <= 1.0  # a superset of candidates
    assert more.ann_recall()["queries"] == 200  # by default: 200 seeded pairs of stored vectors


def test_an_unset_nprobes_is_tuned_to_the_fewest_reaching_recall_0_9(tmp_path: Path) -> None:
    """Tuning starts at 20 partitions and doubles: it stops at the first setting whose recall@10
    reaches 0.9 (the one before did not), each recall is what ann_recall measures at that
    setting, and more partitions never lose recall."""
    from shipcall.adapters.retrievers.lance import LanceSearch

    v = clustered(6000, seed=3, noise=2.0)
    s = LanceSearch.create(v, tmp_path / "l", partitions=400, nprobes=20)
    got = s.tune_nprobes(400)
    tried = got["tried"]
    assert [t["nprobes"] for t in tried] == [20 * 2 ** i for i in range(len(tried))][:len(tried) - 1] + [s.nprobes]
    assert len(tried) >= 2  # 20 of 400 partitions misses neighbours on this data: tuning had work to do
    assert got["recall@10"] >= 0.9 and got["tuned_to"] == 0.9 and tried[-1]["recall@10"] == got["recall@10"]
    assert all(t["recall@10"] < 0.9 for t in tried[:-1])
    assert [t["recall@10"] for t in tried] == sorted(t["recall@10"] for t in tried)
    again = LanceSearch(s.table, s.n, nprobes=s.nprobes, vectors=v).ann_recall()
    assert again["recall@10"] == got["recall@10"]  # the same 200 seeded queries as the build's check
    capped = LanceSearch(s.table, s.n, nprobes=20, vectors=v).tune_nprobes(400, target=1.01)
    assert capped["tried"][-1]["nprobes"] == 400 and capped["recall@10"] == 1.0  # all partitions: exact


def test_the_build_report_line_says_which_knob_raises_a_low_recall() -> None:
    from shipcall.render.ingest import index_lines

    lance = {"approximate": True, "recall@10": 0.674, "queries": 200, "index": "lancedb", "index_type": "IVF_FLAT",
             "partitions": 1000, "nprobes": 20}
    lines = index_lines([{"variant": "big", "n_chunks": 1_000_000, "ann": lance},
                         {"variant": "hnsw", "n_chunks": 200_000, "ann": {"approximate": True, "recall@10": 0.97,
                                                                          "queries": 200, "index": "usearch"}},
                         {"variant": "small", "n_chunks": 900, "ann": {"approximate": False}}])
    assert lines == [
        "index for variant big: LanceDB IVF_FLAT on disk (1,000 partitions, 20 searched per query), 1,000,000 chunks; "
        "recall@10 0.674 against exact search (200 queries) — below 0.9: raise `ann_nprobes` (more recall, slower "
        "queries)",
        "index for variant hnsw: usearch HNSW in memory, 200,000 chunks; recall@10 0.970 against exact search "
        "(200 queries)"]  # exact search has nothing to report


# --- the index in a workspace: built from the embedding cache, reopened, rebuilt -----------------

VARIANT = ("  disk:\n    chunker: {kind: document}\n"
           "    retriever: {kind: dense, k: 10, index: lancedb, ann_threshold: 100, ann_nprobes: 4}\n")


@pytest.fixture
def disk_ws(tmp_path: Path):  # noqa: ANN201 - (Workspace, variant, chunks, vectors)
    """A workspace of 400 one-paragraph documents, a `disk` variant (document chunks, lancedb
    above 100 chunks) and the embedding cache filled with seeded unit vectors for its chunks."""
    from shipcall.adapters.retrievers.bm25 import index_text
    from shipcall.adapters.retrievers.dense import EmbeddingCache
    from shipcall.app.feature import chunk_corpus, embedding_cache_dir
    from shipcall.app.ingest import ingest
    from shipcall.app.init import init_workspace
    from shipcall.app.workspace import Workspace
    from shipcall.core.documents import content_hash

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(400):
        (corpus / f"d{i:03d}.md").write_text(f"# Note {i}\n\nItem {i} of the register, filed under {i % 17}.\n")
    ws = Workspace(init_workspace(tmp_path / "ws"))
    ingest(ws, str(corpus), show_progress=False)  # BM25 only: the dense variant comes next
    with (ws.root / "shipcall.yaml").open("a") as f:
        f.write(VARIANT)
    ws = Workspace(ws.root)
    variant = ws.variant("disk")[1]
    chunks = chunk_corpus(ws, variant, show_progress=False)
    vectors = clustered(len(chunks))
    EmbeddingCache(embedding_cache_dir(ws), variant.retriever.model).add(
        [content_hash(index_text(c)) for c in chunks], vectors)
    return ws, variant, chunks, vectors


def _build(ws, variant, chunks):  # noqa: ANN001, ANN202
    """What ensure_index does for the variant, without loading the query encoder."""
    from shipcall.adapters.retrievers.dense import DenseIndex
    from shipcall.app.feature import embedding_cache_dir, index_key

    path = ws.index_dir / index_key(variant, ws.store.corpus_version())
    return DenseIndex.build(chunks, variant.retriever, path, cache_dir=embedding_cache_dir(ws), show_progress=False)


REOPEN = """
import json, sys
import numpy as np
from shipcall.adapters.retrievers.dense import DenseIndex
from shipcall.app.feature import index_is_complete, index_paths
from shipcall.app.workspace import Workspace
ws = Workspace.open(sys.argv[1])
variant = ws.variant("disk")[1]
version = ws.store.corpus_version()
usable = index_is_complete(ws, variant, version)
index = DenseIndex.load(index_paths(ws, variant, version)[0], variant.retriever)
q = np.array(json.loads(sys.argv[2]), dtype=np.float32)
print(json.dumps({"usable": usable, "searcher": type(index.searcher).__name__,
                  "top": [sc.chunk.id for sc in index.search(q, 10)]}))
"""


def _reopen(ws, q: np.ndarray) -> dict:  # noqa: ANN001
    p = subprocess.run([sys.executable, "-c", REOPEN, str(ws.root), json.dumps(q.tolist())], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _snapshot(path: Path) -> dict[str, int]:
    return {str(f.relative_to(path)): f.stat().st_mtime_ns for f in path.rglob("*") if f.is_file()}


def test_built_from_the_embedding_cache_and_reopened_in_another_process_without_a_rebuild(disk_ws) -> None:  # noqa: ANN001
    from shipcall.adapters.retrievers.lance import LanceSearch
    from shipcall.app.feature import index_summary

    ws, variant, chunks, vectors = disk_ws
    index = _build(ws, variant, chunks)
    meta = json.loads((index.path / "shipcall.json").read_text())
    assert meta["search"] == "lancedb" and meta["embedded"] == 0 and meta["cached"] == 400  # all from the cache
    assert (index.path / "lancedb" / "vectors.lance").is_dir() and not (index.path / "vectors.npy").exists()
    ann = meta["ann"]
    assert ann["index"] == "lancedb" and ann["partitions"] == 20 and ann["nprobes"] == 4
    assert ann["queries"] == 200 and 0.5 <= ann["recall@10"] <= 1.0
    assert index_summary(index.path)["ann"]["recall@10"] == ann["recall@10"]
    assert isinstance(index.searcher, LanceSearch) and index.searcher.vectors.size == 0  # nothing held in memory

    q = vectors[42]
    here = [sc.chunk.id for sc in index.search(q, 10)]
    assert here[0] == chunks[42].id
    before = _snapshot(index.path)
    got = _reopen(ws, q)
    assert got == {"usable": True, "searcher": "LanceSearch", "top": here}
    assert _snapshot(index.path) == before  # opened, not rebuilt or rewritten


def test_a_variant_without_nprobes_stores_the_tuned_setting_and_reopens_with_it(disk_ws) -> None:  # noqa: ANN001
    """No `ann_nprobes`: the build tunes it (recall@10 ≥ 0.9, or every partition), stores it in
    shipcall.json, says so in the ingest line, and a reopened index searches that many."""
    from shipcall.adapters.retrievers.dense import DenseIndex
    from shipcall.app.workspace import Workspace
    from shipcall.render.ingest import index_lines

    ws, _, chunks, _ = disk_ws
    with (ws.root / "shipcall.yaml").open("a") as f:
        f.write("  tuned:\n    chunker: {kind: document}\n"
                "    retriever: {kind: dense, k: 10, index: lancedb, ann_threshold: 100, ann_partitions: 100}\n")
    ws = Workspace(ws.root)
    variant = ws.variant("tuned")[1]
    assert variant.retriever.ann_nprobes is None
    index = _build(ws, variant, chunks)
    ann = json.loads((index.path / "shipcall.json").read_text())["ann"]
    assert ann["tuned_to"] == 0.9 and ann["tried"][0]["nprobes"] == 20 and ann["nprobes"] == ann["tried"][-1]["nprobes"]
    assert ann["recall@10"] >= 0.9 or ann["nprobes"] == 100
    assert index.searcher.nprobes == ann["nprobes"]
    assert DenseIndex.load(index.path, variant.retriever).searcher.nprobes == ann["nprobes"]
    line = index_lines([{"variant": "tuned", "n_chunks": 400, "ann": ann}])[0]
    assert f"{ann['nprobes']} searched per query, the fewest reaching recall@10 0.9)" in line


def test_rebuilt_when_the_embedding_cache_holds_other_vectors(disk_ws) -> None:  # noqa: ANN001
    from shipcall.adapters.retrievers.bm25 import index_text
    from shipcall.adapters.retrievers.dense import EmbeddingCache
    from shipcall.app.feature import embedding_cache_dir, index_is_complete, stale_index_paths
    from shipcall.core.documents import content_hash

    ws, variant, chunks, vectors = disk_ws
    version = ws.store.corpus_version()
    first = _build(ws, variant, chunks)
    cache = EmbeddingCache(embedding_cache_dir(ws), variant.retriever.model)

    # another user of the cache (another model's chunks, the semantic generator) adds a shard:
    # a look at the cache, which still has this index's vectors: no rebuild, and the look recorded
    cache.add(["unrelated-1", "unrelated-2"], clustered(2, seed=5))
    assert index_is_complete(ws, variant, version)
    seen = json.loads((first.path / "cache_seen.json").read_text())
    assert index_is_complete(ws, variant, version)
    assert json.loads((first.path / "cache_seen.json").read_text()) == seen

    # re-embedded chunks (a changed model folder, another machine): other vectors for 5 chunks
    changed = clustered(5, seed=9)
    cache.add([content_hash(index_text(chunks[i])) for i in range(5)], changed)
    assert not index_is_complete(ws, variant, version)
    assert stale_index_paths(ws, variant, version) == [first.path]
    second = _build(ws, variant, chunks)
    assert second.meta["embedded"] == 0  # rebuilt from the cache, nothing embedded again
    assert second.meta["cache_fingerprint"] != first.meta["cache_fingerprint"]
    assert index_is_complete(ws, variant, version)
    rows = second.search(changed[3], 1)
    assert rows[0].chunk.id == chunks[3].id and rows[0].score == pytest.approx(1.0, abs=1e-5)


def test_a_cache_deleted_to_free_space_does_not_force_a_rebuild(disk_ws) -> None:  # noqa: ANN001
    import shutil

    from shipcall.app.feature import embedding_cache_dir, index_is_complete

    ws, variant, chunks, _ = disk_ws
    _build(ws, variant, chunks)
    shutil.rmtree(embedding_cache_dir(ws))
    assert index_is_complete(ws, variant, ws.store.corpus_version())  # the index holds its own vectors


def test_a_bad_index_value_is_a_config_error_naming_the_field(ws, sc) -> None:  # noqa: ANN001
    with (ws.root / "shipcall.yaml").open("a") as f:
        f.write("  disk:\n    retriever: {kind: dense, index: faiss}\n")
    p = sc("variants", "--json", cwd=ws.root, check=2)
    assert "variants.disk.retriever.index" in p.stderr and "faiss" in p.stderr
    assert "'usearch', 'lancedb'" in p.stderr and "Traceback" not in p.stderr
    text = (ws.root / "shipcall.yaml").read_text().replace("{kind: dense, index: faiss}",
                                                           "{kind: hybrid, dense: {index: lancdb}}")
    (ws.root / "shipcall.yaml").write_text(text)
    p = sc("variants", "--json", cwd=ws.root, check=2)
    assert "variants.disk.retriever.dense.index" in p.stderr and "did you mean lancedb?" in p.stderr


def test_variants_without_the_new_keys_keep_their_identity() -> None:
    """`index`, `ann_partitions`, `ann_nprobes` at their defaults leave a variant's hash (and so
    its runs and its index folder) as it was before they existed."""
    from shipcall.config.schema import DenseRetriever, Variant

    plain = Variant(retriever=DenseRetriever(kind="dense"))
    assert "index" not in plain.resolved()["retriever"] and plain.hash == "f93f2b88ef2c"  # as before these keys existed
    assert Variant(retriever=DenseRetriever(kind="dense", index="usearch")).hash == plain.hash
    assert Variant(retriever=DenseRetriever(kind="dense", ann_cache_mb=64)).hash == plain.hash  # operational
    assert Variant(retriever=DenseRetriever(kind="dense", index="lancedb")).hash != plain.hash


BLOCK = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'lancedb':
            raise ImportError(f"No module named {name!r} (blocked by the test)")
        return None
sys.meta_path.insert(0, Block())
from shipcall.cli.main import main
main(sys.argv[1:])
"""


def test_without_the_extra_the_error_names_the_install_line_before_embedding(disk_ws) -> None:  # noqa: ANN001
    ws = disk_ws[0]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", BLOCK, "-w", str(ws.root), *args], capture_output=True,
                              text=True, timeout=300)

    p = run("ask", "--variant", "disk", "--json", "Which item is filed under 3?")
    assert p.returncode == 2, p.stderr
    assert 'pip install -e ".[lancedb]"' in p.stderr and "retriever.index" in p.stderr
    assert "Traceback" not in p.stderr and "embed:" not in p.stderr  # failed before embedding anything


@pytest.mark.slow  # embeds the corpus with the packaged model
def test_ingest_reports_the_recall_and_ask_reopens_the_index_in_another_process(ws, corpus_dir: Path, sc) -> None:  # noqa: ANN001
    """Through the commands: `ingest` builds the on-disk index and prints its recall@10 against
    exact search; `ask` (another process) opens it without rebuilding; after the embedding cache
    changes, the next `ingest` rebuilds it from the cache."""
    import re

    from shipcall.adapters.retrievers.bm25 import index_text
    from shipcall.adapters.retrievers.chunkfile import load_chunks
    from shipcall.adapters.retrievers.dense import EmbeddingCache
    from shipcall.app.feature import stored_texts
    from shipcall.core.documents import content_hash

    pytest.importorskip("sentence_transformers")
    with (ws.root / "shipcall.yaml").open("a") as f:
        f.write("  disk:\n    chunker: {kind: fixed, size: 20, overlap: 5}\n"
                "    retriever: {kind: dense, k: 5, index: lancedb, ann_threshold: 5, ann_nprobes: 2}\n")
    out = sc("ingest", str(corpus_dir), cwd=ws.root).stdout
    line = re.search(r"^index for variant disk: LanceDB IVF_FLAT on disk \((\d+) partitions, 2 searched per query\), "
                     r"(\d+) chunks; recall@10 ([0-9.]+) against exact search \(200 queries\)"
                     r"( — below 0.9: raise `ann_nprobes` \(more recall, slower queries\))?$", out, re.M)
    assert line, out
    parts, n, recall = int(line[1]), int(line[2]), float(line[3])
    assert n > 5 and parts == round(n ** 0.5) and 0 < recall <= 1
    [path] = [p for p in (ws.root / ".shipcall" / "index").iterdir() if (p / "lancedb").is_dir()]
    before = _snapshot(path)

    got = json.loads(sc("ask", "--variant", "disk", "--json", "How many vacation days do employees get?",
                        cwd=ws.root).stdout)
    assert got["variant"] == "disk" and (got["citations"] or got["near_misses"])
    assert _snapshot(path) == before  # reopened, not rebuilt

    chunks = load_chunks(path, stored_texts(ws))  # the chunks' text is the stored documents'
    cache = EmbeddingCache(ws.root / ".shipcall" / "embeddings", "all-MiniLM-L6-v2")
    cache.add([content_hash(index_text(c)) for c in chunks[:3]], clustered(3, dim=384))
    again = json.loads(sc("ingest", "--json", cwd=ws.root).stdout)
    assert again["indexes_built"] == 1
    [rebuilt] = again["indexes"]
    assert rebuilt["variant"] == "disk" and rebuilt["search"] == "lancedb" and rebuilt["embedded"] == 0
    assert rebuilt["ann"]["recall@10"] > 0 and rebuilt["ann"]["partitions"] == parts
    assert json.loads(sc("ingest", "--json", cwd=ws.root).stdout)["indexes"] == []  # current again
