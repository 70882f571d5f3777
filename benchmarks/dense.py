"""Dense and hybrid retrieval: quality on SciFact and speed, beside the raw libraries, one command.

    python benchmarks/dense.py           # first time ~15-25 min on 2 cores (embeds SciFact twice:
                                         # through shipcall and raw), then a few minutes (cached)
    python benchmarks/dense.py --quick   # speed at 2,000 and 10,000 chunks only

Quality (`../shared/data/scifact-train`, train split, one chunk per document):
  - ours: `shipcall.app.run.run` of bm25 / dense / hybrid variants in a workspace under
    benchmarks/.data/dense/scifact-ws (its embedding cache makes re-runs cheap), ndcg@10 and
    recall@100 as stored on the runs; hybrid vs each single method with `core.compare.compare`;
  - raw: bm25s (same stemmer and stopwords), sentence-transformers + NumPy (its own embeddings,
    cached in benchmarks/.data/dense/), and ranx's RRF over those two raw runs, scored by ranx;
  - the fusion grid behind the hybrid defaults: our two candidate lists (depth 100) fused in
    memory with every setting, scored by ranx.
Speed: embedding throughput, index build, query latency p50/p95 (one query at a time, k=10)
for bm25/dense/hybrid on SciFact itself (5,183 real chunks) and at 10,000 and 100,000 chunks
(texts: 3 random SciFact sentences each; random unit vectors stand in for their embeddings),
memory per 100,000 chunks, ANN against exact; each beside a raw equivalent, as ratios.

Writes BENCHMARKS.md between `<!-- dense:start -->` and `<!-- dense:end -->` only (adds the
markers at the end when absent); results also go to benchmarks/.data/dense/results.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import shutil
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import common
import numpy as np
from common import table

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data" / "dense"
SCIFACT = Path(os.environ.get("SHIPCALL_DATA", ROOT.parent / "shared" / "data")) / "scifact-train"
START, END = "<!-- dense:start -->", "<!-- dense:end -->"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

WORKSPACE_YAML = """\
store: sqlite:///.shipcall/shipcall.db
evaluation:
  k: [1, 3, 5, 10, 100]
variants:
  bm25doc:
    chunker: {kind: document}
    retriever: {kind: bm25, k: 100}
  densedoc:
    chunker: {kind: document}
    retriever: {kind: dense, k: 100}
  hybriddoc:
    chunker: {kind: document}
    retriever: {kind: hybrid, k: 100}
  hybridrrf:
    chunker: {kind: document}
    retriever: {kind: hybrid, k: 100, fusion: rrf, rrf_k: 60}
"""


def log(msg: str) -> None:
    common.log(msg, name="dense")


def pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs, dtype=np.float64) * 1000, q))


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- SciFact -----------------------------------------------------------------------------------

def scifact() -> tuple[list[str], list[str], dict[str, str], dict[str, dict[str, int]]]:
    """(doc ids, doc texts as the BEIR loader builds them, query id → text, qrels)."""
    ids, texts = [], []
    for line in (SCIFACT / "corpus.jsonl").read_text().splitlines():
        d = json.loads(line)
        ids.append(str(d["_id"]))
        texts.append(f"{d.get('title') or ''} {d.get('text') or ''}".strip())
    queries = {str(q["_id"]): q["text"] for q in map(json.loads, (SCIFACT / "queries.jsonl").read_text().splitlines())}
    qrels: dict[str, dict[str, int]] = {}
    for i, line in enumerate((SCIFACT / "qrels" / "train.tsv").read_text().splitlines()):
        parts = line.split("\t")
        if i == 0 and not parts[-1].isdigit():
            continue
        if int(parts[2]) > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return ids, texts, {q: queries[q] for q in qrels}, qrels


def ranx_eval(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]) -> dict[str, float]:
    from ranx import Qrels, Run, evaluate

    judged = {q: run.get(q) or {"__none__": 0.0} for q in qrels}
    out = evaluate(Qrels(qrels), Run(judged), ["ndcg@10", "recall@100"])
    return {k: float(v) for k, v in out.items()}


def packaged_model() -> Any:
    from sentence_transformers import SentenceTransformer

    from shipcall.adapters.retrievers.dense import resolve_model

    return SentenceTransformer(resolve_model("all-MiniLM-L6-v2")[0], device="cpu")


# -- quality -----------------------------------------------------------------------------------

def quality() -> dict[str, Any]:
    from shipcall.app.datasets import import_dataset
    from shipcall.app.decisions import load_run
    from shipcall.app.ingest import ingest
    from shipcall.app.run import run
    from shipcall.app.workspace import Workspace
    from shipcall.config.contract import default_contract
    from shipcall.core.compare import compare

    ids, texts, queries, qrels = scifact()
    root = DATA / "scifact-ws"
    root.mkdir(parents=True, exist_ok=True)
    (root / "shipcall.yaml").write_text(WORKSPACE_YAML)
    ws = Workspace(root)
    t0 = time.perf_counter()
    log("ingest SciFact through shipcall (embeddings from the workspace cache after the first time)")
    ingest(ws, str(SCIFACT), "beir", show_progress=True)
    ingest_s = time.perf_counter() - t0
    import_dataset(ws, str(SCIFACT), "scifact", fmt="beir", split="train")
    ds = ws.store.load_dataset("scifact")
    ours: dict[str, Any] = {}
    for v in ("bm25doc", "densedoc", "hybriddoc", "hybridrrf"):
        log(f"run {v} over {len(ds.items)} queries")
        r = run(ws, ds, v).run
        ours[v] = {"run": r.id, "ndcg@10": r.metrics["ndcg@10"], "recall@100": r.metrics["recall@100"],
                   "latency_ms_p50": r.metrics.get("latency_ms_p50"), "latency_ms_p95": r.metrics.get("latency_ms_p95")}
    contract = default_contract()
    tests = {}
    for base, cand in (("bm25doc", "hybriddoc"), ("densedoc", "hybriddoc"), ("bm25doc", "densedoc")):
        b, c = load_run(ws, ours[base]["run"]), load_run(ws, ours[cand]["run"])
        cmp = compare(b.values, c.values, {}, contract, cohort_keys=[], metrics=["ndcg@10", "recall@100"])
        tests[f"{cand} vs {base}"] = [r.to_dict() for r in cmp.overall]

    # raw bm25s, same stemming and stopwords
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    raw_bm25 = bm25s.BM25(backend="numpy")
    raw_bm25.index(bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False)
    qids = list(queries)
    docs, scores = raw_bm25.retrieve(bm25s.tokenize([queries[q] for q in qids], stopwords="en", stemmer=stemmer,
                                                    show_progress=False), k=100, show_progress=False)
    run_bm25 = {q: {ids[int(d)]: float(s) for d, s in zip(docs[i], scores[i], strict=True) if s > 0}
                for i, q in enumerate(qids)}
    # raw sentence-transformers + NumPy, its own embeddings (cached)
    model = packaged_model()
    cache = DATA / "scifact-raw-minilm.npy"
    if cache.is_file() and (DATA / "scifact-raw-minilm.ids.json").is_file() and \
            json.loads((DATA / "scifact-raw-minilm.ids.json").read_text()) == ids:
        emb = np.load(cache)
        raw_embed_s = None
    else:
        log(f"raw sentence-transformers: embedding {len(texts)} abstracts (once; cached in {cache})")
        t0 = time.perf_counter()
        emb = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=True).astype(np.float32)
        raw_embed_s = time.perf_counter() - t0
        np.save(cache, emb)
        (DATA / "scifact-raw-minilm.ids.json").write_text(json.dumps(ids))
    qv = model.encode([queries[q] for q in qids], batch_size=64, normalize_embeddings=True)
    sims = qv @ emb.T
    run_dense = {}
    for i, q in enumerate(qids):
        top = np.argsort(-sims[i])[:100]
        run_dense[q] = {ids[int(j)]: float(sims[i, j]) for j in top}
    from ranx import Run, fuse

    raw_rrf = fuse(runs=[Run(run_bm25), Run(run_dense)], norm=None, method="rrf")  # k=60
    raw_wsum = fuse(runs=[Run(run_bm25), Run(run_dense)], norm="min-max", method="wsum",
                    params={"weights": [1.0, 1.0]})
    raw = {"bm25s": ranx_eval(qrels, run_bm25), "sentence-transformers + NumPy": ranx_eval(qrels, run_dense),
           "ranx min-max + weighted sum": ranx_eval(qrels, raw_wsum.to_dict()),
           "ranx RRF (k=60)": ranx_eval(qrels, raw_rrf.to_dict())}
    return {"ours": ours, "raw": raw, "tests": tests, "grid": fusion_grid(ws, ds, qrels),
            "n_docs": len(ids), "n_queries": len(qids), "ingest_s": ingest_s, "raw_embed_s": raw_embed_s}


def fusion_grid(ws: Any, ds: Any, qrels: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Every fusion setting over the same two candidate lists (our BM25 and dense, depth 100)."""
    from shipcall.adapters.retrievers.hybrid import rrf, score_fusion
    from shipcall.app.feature import Feature

    bm25 = Feature.open(ws, "bm25doc").retriever
    dense = Feature.open(ws, "densedoc").retriever
    qids = [it.id for it in ds.items]
    texts = [it.question for it in ds.items]
    side_b = [bm25.retrieve(t, 100) for t in texts]
    side_d = dense.retrieve_many(texts, 100)  # type: ignore[attr-defined]

    def score(fused: list[list[Any]]) -> dict[str, float]:
        return ranx_eval(qrels, {q: {sc.chunk.doc_id: sc.score for sc in f[:100]} for q, f in zip(qids, fused,
                                                                                                  strict=True)})

    rows = [{"fusion": "none (bm25)", **score(side_b)}, {"fusion": "none (dense)", **score(side_d)}]
    for rk in (5, 10, 30, 60, 100):
        for wb in (0.75, 1.0, 1.25, 1.5, 2.0):
            fused = [rrf([b, d], [wb, 1.0], rk) for b, d in zip(side_b, side_d, strict=True)]
            rows.append({"fusion": "rrf", "rrf_k": rk, "w_bm25": wb, "w_dense": 1.0, **score(fused)})
    for wb in (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0):
        fused = [score_fusion([b, d], [wb, 1.0]) for b, d in zip(side_b, side_d, strict=True)]
        rows.append({"fusion": "score", "w_bm25": wb, "w_dense": 1.0, **score(fused)})
    return rows


# -- speed -------------------------------------------------------------------------------------

def synthetic_chunks(n: int, seed: int = 0) -> list[Any]:
    """n chunks of 3 random SciFact sentences each (real vocabulary and lengths)."""
    from shipcall.core.documents import Chunk

    _, texts, _, _ = scifact()
    pool = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s.split()) >= 4]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        text = " ".join(rng.choice(pool) for _ in range(3))
        out.append(Chunk(f"c{i}", f"d{i // 4}", text, 0, len(text)))
    return out


def unit_vectors(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def timed_queries(fn: Any, queries: list[str], warmup: int = 10) -> dict[str, float]:
    for q in queries[:warmup]:
        fn(q)
    ts = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        ts.append(time.perf_counter() - t0)
    return {"p50": pct(ts, 50), "p95": pct(ts, 95)}


def embedding_throughput(n: int = 256) -> dict[str, Any]:
    """Ours (DenseIndex.build on n fresh abstracts: embedding + cache writes) vs raw model.encode."""
    from shipcall.adapters.retrievers.dense import DenseIndex, load_encoder
    from shipcall.config.schema import DenseRetriever
    from shipcall.core.documents import Chunk

    ids, texts, _, _ = scifact()
    pick = texts[-n:]  # the last abstracts: a different slice from any test's
    model = packaged_model()
    model.encode(pick[:8])
    t0 = time.perf_counter()
    model.encode(pick, batch_size=32, normalize_embeddings=True)
    raw_s = time.perf_counter() - t0
    load_encoder("all-MiniLM-L6-v2").encode(pick[:8])
    tmp = DATA / "tmp-throughput"
    shutil.rmtree(tmp, ignore_errors=True)
    chunks = [Chunk(f"t{i}", ids[-n + i], t, 0, len(t)) for i, t in enumerate(pick)]
    t0 = time.perf_counter()
    idx = DenseIndex.build(chunks, DenseRetriever(kind="dense"), tmp / "index", cache_dir=tmp / "cache")
    ours_s = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    return {"n": n, "ours_chunks_per_s": n / ours_s, "raw_chunks_per_s": n / raw_s,
            "ours_embed_only_chunks_per_s": idx.meta["embed_chunks_per_s"], "ratio_time": ours_s / raw_s}


def speed_at(n: int, queries: list[str], *, real: bool = False) -> dict[str, Any]:
    """Build and query bm25/dense/hybrid at n chunks (real SciFact abstracts and their cached
    embeddings when `real`, else synthetic chunks with random unit vectors), ours beside raw."""
    import bm25s
    import Stemmer

    from shipcall.adapters.retrievers.bm25 import BM25Index, index_text
    from shipcall.adapters.retrievers.dense import DenseIndex, EmbeddingCache
    from shipcall.adapters.retrievers.hybrid import HybridIndex
    from shipcall.config.schema import BM25Retriever, DenseRetriever, HybridRetriever
    from shipcall.core.documents import Chunk, content_hash

    tmp = DATA / f"tmp-speed-{n}"
    shutil.rmtree(tmp, ignore_errors=True)
    if real:
        ids, texts, _, _ = scifact()
        chunks = [Chunk(i, i, t, 0, len(t)) for i, t in zip(ids, texts, strict=True)]
        vectors = np.load(DATA / "scifact-raw-minilm.npy")
    else:
        chunks = synthetic_chunks(n)
        vectors = unit_vectors(n)
    n = len(chunks)
    cache = EmbeddingCache(tmp / "cache", "all-MiniLM-L6-v2")
    cache.add([content_hash(index_text(c)) for c in chunks], vectors)  # stand-ins: nothing to embed
    out: dict[str, Any] = {"chunks": n, "vectors": "real MiniLM" if real else "random unit"}
    gc.collect()
    t0 = time.perf_counter()
    bm25 = BM25Index.build(chunks, BM25Retriever(kind="bm25"), tmp / "bm25")
    out["bm25_build_s"] = time.perf_counter() - t0
    stemmer = Stemmer.Stemmer("english")
    t0 = time.perf_counter()
    raw = bm25s.BM25(backend="numpy")
    raw.index(bm25s.tokenize([index_text(c) for c in chunks], stopwords="en", stemmer=stemmer,
                             show_progress=False), show_progress=False)
    out["raw_bm25_build_s"] = time.perf_counter() - t0
    out["bm25_disk_mb"] = dir_bytes(tmp / "bm25") / 1e6
    cfg = DenseRetriever(kind="dense")
    t0 = time.perf_counter()
    dense = DenseIndex.build(chunks, cfg, tmp / "dense", cache_dir=tmp / "cache")
    out["dense_build_s"] = time.perf_counter() - t0
    out["dense_vectors_mb"] = dense.searcher.vectors.nbytes / 1e6
    out["dense_disk_mb"] = dir_bytes(tmp / "dense") / 1e6
    hybrid = HybridIndex(HybridRetriever(kind="hybrid"), bm25, dense)
    model = dense.encoder
    mat = dense.searcher.vectors

    def raw_bm25(q: str, k: int = 10) -> Any:
        return raw.retrieve(bm25s.tokenize([q], stopwords="en", stemmer=stemmer, show_progress=False), k=k,
                            show_progress=False, n_threads=1)

    def raw_dense(q: str, k: int = 10) -> np.ndarray:
        s = mat @ model.encode([q], normalize_embeddings=True, convert_to_numpy=True)[0]
        top = np.argpartition(-s, k)[:k]
        return top[np.argsort(-s[top])]

    def raw_hybrid(q: str, k: int = 10) -> list[int]:
        d, _ = raw_bm25(q, 100)
        fused: dict[int, float] = {}
        for ranking in (d[0].tolist(), raw_dense(q, 100).tolist()):
            for r, doc in enumerate(ranking, start=1):
                fused[doc] = fused.get(doc, 0.0) + 1 / (60 + r)
        return sorted(fused, key=lambda x: -fused[x])[:k]

    log(f"{n} chunks: query latency")
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # like for like: our query path encodes a single query on one thread
    out["query_ms"] = {
        "bm25": timed_queries(lambda q: bm25.retrieve(q, 10), queries),
        "raw bm25s": timed_queries(raw_bm25, queries),
        "dense": timed_queries(lambda q: dense.retrieve(q, 10), queries),
        "raw ST + NumPy": timed_queries(raw_dense, queries),
        "hybrid": timed_queries(lambda q: hybrid.retrieve(q, 10), queries),
        "raw hybrid (bm25s + ST + NumPy, RRF)": timed_queries(raw_hybrid, queries),
    }
    torch.set_num_threads(threads)
    qv = model.encode(queries, normalize_embeddings=True)
    out["search_only_ms"] = {"exact (ours)": timed_queries(lambda i: dense.searcher.search(qv[i], 10),
                                                            list(range(len(qv))))}
    if n >= 50_000 or real:
        from shipcall.adapters.retrievers.dense import VectorSearch

        t0 = time.perf_counter()
        ann = VectorSearch.build(mat, ann_threshold=0, connectivity=cfg.ann_connectivity, expansion=cfg.ann_expansion)
        out["ann_build_s"] = time.perf_counter() - t0
        # real data: the real queries' embeddings; random stand-ins: mixtures of stored vectors
        out["ann"] = ann.ann_recall(query_vectors=qv) if real else ann.ann_recall()
        out["ann_memory_mb"] = ann.ann.memory_usage / 1e6
        out["search_only_ms"]["approximate (usearch HNSW)"] = timed_queries(lambda i: ann.search(qv[i], 10),
                                                                           list(range(len(qv))))
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def speed(quick: bool) -> dict[str, Any]:
    _, _, queries, _ = scifact()
    qs = list(queries.values())[:50 if quick else 200]
    out = {"embedding": embedding_throughput(32 if quick else 256)}
    sizes = (2_000,) if quick else (10_000, 100_000)
    if not quick:  # the real vectors come from the quality part's embeddings
        out["scifact"] = speed_at(0, qs, real=True)
    for n in sizes:
        out[str(n)] = speed_at(n, qs)
    return out


def quick_text(speed_result: dict[str, Any], minutes: float) -> str:
    """The CI-sized run's figures (2,000 random chunks, 50 queries): a smoke test, not a claim."""
    e = speed_result["embedding"]
    rows = []
    for key, v in speed_result.items():
        if key == "embedding":
            continue
        q = v["query_ms"]
        rows += [[f"{v['chunks']:,}", name, f"{q[name]['p50']:.2f}", f"{q[raw]['p50']:.2f}",
                  f"{q[name]['p50'] / q[raw]['p50']:.2f}×"]
                 for name, raw in (("bm25", "raw bm25s"), ("dense", "raw ST + NumPy"),
                                   ("hybrid", "raw hybrid (bm25s + ST + NumPy, RRF)"))]
    return "\n".join([
        "## Dense and hybrid retrieval (quick)", "",
        f"`python benchmarks/dense.py --quick` ({minutes:.1f} min; {common.machine_line(common.machine())}): "
        f"embedding {e['n']} SciFact abstracts, ours {e['ours_chunks_per_s']:.1f} chunks/s, raw "
        f"{e['raw_chunks_per_s']:.1f} chunks/s; query latency over random-vector stand-ins:", "",
        common.table(["chunks", "retriever", "ours p50 ms", "raw p50 ms", "ours/raw"], rows)])


# -- report ------------------------------------------------------------------------------------

def f3(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def f4(x: float | None) -> str:
    return "-" if x is None else f"{x:.4f}"


def measured(part: dict[str, Any]) -> str:
    m = part.get("_run") or {}
    if not m:
        return ""
    return (f"Measured by `{m['command']}` on {m['date']} ({m['minutes']:.1f} min; load average "
            f"{m['load'][0]:.1f} at start and {m['load'][1]:.1f} at the end: other jobs shared the 2 cores).")


def render(r: dict[str, Any]) -> str:
    def ver(lib: str) -> str:
        try:
            return metadata.version(lib)
        except metadata.PackageNotFoundError:
            return "-"

    libs = ", ".join(f"{x} {ver(x)}" for x in ("sentence-transformers", "torch", "transformers", "usearch", "bm25s",
                                                  "numpy", "ranx"))
    parts = [
        "## Dense and hybrid retrieval",
        "",
        f"Written by `python benchmarks/dense.py` (`--only quality|speed` for one part, `--render` to rewrite "
        f"this section from benchmarks/.data/dense/results.json). {platform.machine()}, {os.cpu_count()} cores; "
        f"{libs}. Do not edit by hand; rerun it.",
        "",
    ]
    if r.get("quality"):
        parts += render_quality(r["quality"])
    if r.get("speed"):
        parts += render_speed(r["speed"])
    return "\n".join(parts)


def render_quality(q: dict[str, Any]) -> list[str]:
    o, raw = q["ours"], q["raw"]
    return [
        f"### Quality on SciFact (train split: {q['n_docs']:,} abstracts, {q['n_queries']} queries; one chunk per "
        "document)",
        "",
        measured(q),
        "",
        "Ours: `shipcall run` of each variant (figures as stored on the run). Raw: the library alone on the same "
        "texts (title + abstract), scored by ranx. BM25: English stemming and stopwords on both sides. Dense: the "
        "packaged all-MiniLM-L6-v2, exact cosine. Hybrid: our defaults (`fusion: score`: min-max normalised "
        "scores, weights 1.0/1.0, depth 100), and `fusion: rrf` with the paper's `rrf_k: 60` beside ranx's RRF.",
        "",
        table(["", "ndcg@10", "recall@100", "raw reference", "raw ndcg@10", "raw recall@100"], [
            ["BM25 (`kind: bm25`)", f4(o["bm25doc"]["ndcg@10"]), f4(o["bm25doc"]["recall@100"]), "bm25s",
             f4(raw["bm25s"]["ndcg@10"]), f4(raw["bm25s"]["recall@100"])],
            ["dense (`kind: dense`)", f4(o["densedoc"]["ndcg@10"]), f4(o["densedoc"]["recall@100"]),
             "sentence-transformers + NumPy", f4(raw["sentence-transformers + NumPy"]["ndcg@10"]),
             f4(raw["sentence-transformers + NumPy"]["recall@100"])],
            ["hybrid (`kind: hybrid`, defaults)", f4(o["hybriddoc"]["ndcg@10"]), f4(o["hybriddoc"]["recall@100"]),
             "ranx min-max + weighted sum of the raw runs", f4(raw["ranx min-max + weighted sum"]["ndcg@10"]),
             f4(raw["ranx min-max + weighted sum"]["recall@100"])],
            ["hybrid (`fusion: rrf, rrf_k: 60`)", f4(o["hybridrrf"]["ndcg@10"]), f4(o["hybridrrf"]["recall@100"]),
             "ranx RRF (k=60) of the raw runs", f4(raw["ranx RRF (k=60)"]["ndcg@10"]),
             f4(raw["ranx RRF (k=60)"]["recall@100"])],
        ]),
        "",
        f"BM25 ours − raw bm25s: {o['bm25doc']['ndcg@10'] - raw['bm25s']['ndcg@10']:+.4f} ndcg@10. "
        f"Hybrid − BM25: {o['hybriddoc']['ndcg@10'] - o['bm25doc']['ndcg@10']:+.4f} ndcg@10; hybrid − dense: "
        f"{o['hybriddoc']['ndcg@10'] - o['densedoc']['ndcg@10']:+.4f}. Differences from ranx's fusions come from "
        "ties, which ours breaks by BM25's rank (RRF ties often: ranks 1 and 3 tie with 3 and 1; see "
        "src/shipcall/retrievers/hybrid.py).",
        "",
        "Paired comparisons (`core.compare.compare`, the same statistics as `shipcall compare`: paired t-test, "
        "Holm over the two metrics, 95% paired bootstrap interval):",
        "",
        table(["comparison", "metric", "delta", "95% CI", "p (adjusted)"], [
            [name, row["metric"], f"{row['delta']:+.4f}", f"[{row['ci_low']:+.4f}, {row['ci_high']:+.4f}]",
             f"{row['p_adjusted']:.2g}"] for name, rows in q["tests"].items() for row in rows]),
        "",
        "Fusion grid (our two candidate lists, depth 100, fused in memory; w_dense = 1): the measurements "
        "behind the defaults.",
        "",
        table(["fusion", "rrf_k", "w_bm25", "ndcg@10", "recall@100"], [
            [g["fusion"], str(g.get("rrf_k", "")), str(g.get("w_bm25", "")), f4(g["ndcg@10"]), f4(g["recall@100"])]
            for g in q["grid"]]),
        "",
    ]


def render_speed(s: dict[str, Any]) -> list[str]:
    e = s["embedding"]
    parts = [
        "### Speed",
        "",
        measured(s),
        "",
        f"Embedding throughput ({e['n']} SciFact abstracts, batch 32, 2 cores): ours {e['ours_chunks_per_s']:.1f} "
        f"chunks/s (all of `DenseIndex.build` on an empty cache; the encoding alone "
        f"{e['ours_embed_only_chunks_per_s']} chunks/s), raw `SentenceTransformer.encode` "
        f"{e['raw_chunks_per_s']:.1f} chunks/s: {e['ratio_time']:.2f}× raw's time. At that rate 100,000 chunks "
        f"would take {100_000 / e['raw_chunks_per_s'] / 3600:.1f} h, hence the stand-in vectors below.",
        "",
    ]
    sizes = [k for k in s if k not in ("embedding", "_run")]
    rows = []
    for key in sizes:
        x = s[key]
        qm = x["query_ms"]
        label = f"{x['chunks']:,} ({x['vectors']})"
        for ours_name, raw_name in (("bm25", "raw bm25s"), ("dense", "raw ST + NumPy"),
                                    ("hybrid", "raw hybrid (bm25s + ST + NumPy, RRF)")):
            rows.append([label, ours_name, f"{qm[ours_name]['p50']:.2f}", f"{qm[ours_name]['p95']:.2f}",
                         f"{qm[raw_name]['p50']:.2f}", f"{qm[raw_name]['p95']:.2f}",
                         f"{qm[ours_name]['p50'] / qm[raw_name]['p50']:.2f}×"])
    parts += ["Query latency, one query at a time, k=10 (dense includes encoding the query, on one torch thread "
              "on both sides; hybrid takes 100 candidates from each side). Raw bm25s: `bm25s.tokenize` + "
              "`BM25.retrieve` per query as its README shows (the tokenize call dominates; ours keeps a "
              "tokenizer with its vocabulary loaded). Raw hybrid: bm25s top 100 + NumPy top 100 + RRF in a Python "
              "dict.", "",
              table(["chunks", "retriever", "ours p50 ms", "ours p95 ms", "raw p50 ms", "raw p95 ms",
                     "ours/raw p50"], rows), ""]
    rows = []
    for key in sizes:
        x = s[key]
        rows.append([f"{x['chunks']:,}", f"{x['bm25_build_s']:.2f}", f"{x['raw_bm25_build_s']:.2f}",
                     f"{x['bm25_build_s'] / x['raw_bm25_build_s']:.2f}×", f"{x['dense_build_s']:.2f}",
                     f"{x['bm25_disk_mb']:.1f}", f"{x['dense_vectors_mb']:.1f}", f"{x['dense_disk_mb']:.1f}"])
    parts += ["Index build (dense: from the embedding cache, so without embedding; BM25 beside raw bm25s "
              "tokenize + index) and size:", "",
              table(["chunks", "bm25 build s", "raw bm25s s", "ours/raw", "dense build s (no embedding)",
                     "bm25 on disk MB", "dense vectors in memory MB", "dense on disk MB"], rows), ""]
    rows = []
    for key in sizes:
        x = s[key]
        if "ann" not in x:
            continue
        so = x["search_only_ms"]
        rows.append([f"{x['chunks']:,} ({x['vectors']})", f"{so['exact (ours)']['p50']:.2f}",
                     f"{so['exact (ours)']['p95']:.2f}", f"{so['approximate (usearch HNSW)']['p50']:.2f}",
                     f"{so['approximate (usearch HNSW)']['p95']:.2f}", f"{x['ann_build_s']:.1f}",
                     f"{x['ann']['recall@10']:.3f}", "real queries" if x["vectors"] == "real MiniLM"
                     else "mixtures of two stored vectors", f"{x['ann_memory_mb']:.0f}"])
    parts += ["Exact against approximate search (the search alone, the query already encoded; usearch HNSW, "
              "connectivity 16, expansion 128; recall@10 of the approximate top 10 against the exact one):", "",
              table(["chunks", "exact p50 ms", "exact p95 ms", "HNSW p50 ms", "HNSW p95 ms", "HNSW build s",
                     "recall@10", "queries", "HNSW MB (with its vector copy)"], rows), "",
              "Random unit vectors in 384 dimensions are the worst case for a graph index: every point is almost "
              "equally far from every other, so the exact top 10 is barely separated from the rest. Real "
              "embeddings cluster, and recall on them is what the real-data row shows.", ""]
    big = [s[k] for k in sizes if s[k]["chunks"] >= 50_000]
    for x in big:
        per = 100_000 / x["chunks"]
        parts += [
            f"Memory per 100,000 chunks: dense vectors {x['dense_vectors_mb'] * per:.0f} MB (float32 × 384), "
            f"plus {x['ann_memory_mb'] * per:.0f} MB for the HNSW index (graph and its own vector copy) when "
            f"approximate search is on; BM25 index {x['bm25_disk_mb'] * per:.0f} MB on disk (loaded whole).",
            "",
        ]
    return parts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="CI-sized: speed at 2,000 chunks only, written to .data/BENCHMARKS.quick.md")
    ap.add_argument("--only", choices=["quality", "speed"], help="one part (the other is kept from the last run)")
    ap.add_argument("--render", action="store_true", help="only rewrite the section from the last results")
    args = ap.parse_args(argv)
    if not (SCIFACT / "corpus.jsonl").is_file():
        print(f"SciFact not found at {SCIFACT} (set SHIPCALL_DATA)", file=sys.stderr)
        return 0 if args.quick else 2  # CI without the public data: nothing to measure
    DATA.mkdir(parents=True, exist_ok=True)
    if args.quick:  # CI-sized: the speed part on 2,000 chunks; nothing written to BENCHMARKS.md
        t0 = time.perf_counter()
        text = quick_text(speed(True), (time.perf_counter() - t0) / 60)
        log(f"written to {common.write_section('dense', text, quick=True)}")
        return 0
    results_path = DATA / "results.json"
    previous = json.loads(results_path.read_text()) if results_path.is_file() else {}
    command = "python benchmarks/dense.py" + (" --quick" if args.quick else "")
    result: dict[str, Any] = dict(previous)
    for part, fn in (("quality", quality), ("speed", lambda: speed(args.quick))):
        if args.render or args.only not in (None, part):
            continue
        t0, load0 = time.perf_counter(), os.getloadavg()[0]
        result[part] = fn()
        result[part]["_run"] = {"minutes": (time.perf_counter() - t0) / 60, "load": [load0, os.getloadavg()[0]],
                                "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                                "command": command + (f" --only {part}" if args.only else "")}
    results_path.write_text(json.dumps(result, indent=1, default=float))
    common.write_section("dense", render(result))
    log(f"written to BENCHMARKS.md ({START} … {END}) and {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
