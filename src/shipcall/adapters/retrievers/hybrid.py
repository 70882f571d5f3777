"""Hybrid retrieval: a BM25 ranking and a dense ranking of the same chunks, fused.

Each side returns its top max(k, depth) chunks (depth: 100 by default); the fused list is cut
to k. Two fusions (`fusion:` in the config):

- `score` (the default), normalised score fusion (a convex combination, as in Bruch, Gai and
  Ingber, "An Analysis of Fusion Functions for Hybrid Retrieval", ACM TOIS 2023): each side's
  scores are min-max normalised to [0, 1] over its candidates, then
  score(c) = Σ_r w_r · norm_r(c), a side that did not return c adding 0.
- `rrf`, reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009):
  score(c) = Σ_r w_r / (rrf_k + rank_r(c)), rank 1-based. `rrf_k` flattens the head of each
  ranking: the larger it is, the more a chunk found by both sides beats one found high by only
  one side. The paper's 60 was tuned for fusing many deep TREC runs; with two rankings a
  smaller value does better (below), so the default is 10.

Ties (frequent in RRF: ranks 1 and 3 tie with ranks 3 and 1) go to the ranking of the heavier
side, BM25's on equal weights, then to the chunk id. That is measured too: on SciFact, RRF with
rrf_k 60 scores ndcg@10 0.721 breaking ties by BM25's rank, 0.714 by the better rank on either
side and 0.710 by the dense rank (151 of the 809 queries have a tie in their top 10).

The defaults (score fusion, weights 1.0/1.0, depth 100; rrf_k 10 for `rrf`) come from
measurements on SciFact (train split: 5,183 abstracts, 809 queries, one chunk per document;
BM25 with English stemming and stopwords, ndcg@10 0.696; the packaged MiniLM, 0.660). nDCG@10
of the fused lists, depth 100, w_dense 1.0 (benchmarks/dense.py prints the whole grid):

    fusion   setting                     ndcg@10
    score    w_bm25 1.0 (default)        0.730   (+0.034 over BM25 alone; p < 1e-6, paired)
    score    w_bm25 1.25                 0.731
    score    w_bm25 0.5 / 2.0            0.715 / 0.728
    rrf      rrf_k 10, w_bm25 1.0        0.727
    rrf      rrf_k 60, w_bm25 1.0        0.721
    rrf      rrf_k 5,  w_bm25 1.0        0.728   (the best RRF setting)

Score fusion with equal weights beats every RRF setting without tuning a weight, so it is the
default; its scores depend on the two score distributions, so on a very different corpus
`fusion: rrf` (rank-only) is the safer choice, and a `shipcall sweep` over
`retriever.fusion=score,rrf` says which wins on your own dataset.

The extractive generator's term weights and stems come from the BM25 side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from shipcall.adapters.retrievers.base import Retriever
from shipcall.config.schema import HybridRetriever as HybridConfig
from shipcall.core.documents import Chunk, ScoredChunk


def rrf(rankings: Sequence[Sequence[ScoredChunk]], weights: Sequence[float], rrf_k: int = 10) -> list[ScoredChunk]:
    """Reciprocal rank fusion of rankings (each best first), weighted; fused and re-ranked."""
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        if w == 0:
            continue
        for rank, sc in enumerate(ranking, start=1):
            scores[sc.chunk.id] = scores.get(sc.chunk.id, 0.0) + w / (rrf_k + rank)
    return _ranked(rankings, weights, scores)


def score_fusion(rankings: Sequence[Sequence[ScoredChunk]], weights: Sequence[float]) -> list[ScoredChunk]:
    """Weighted sum of min-max normalised scores (a ranking whose scores are all equal maps to 1)."""
    scores: dict[str, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        if w == 0 or not ranking:
            continue
        values = [sc.score for sc in ranking]
        lo, hi = min(values), max(values)
        span = hi - lo
        for sc in ranking:
            norm = (sc.score - lo) / span if span > 0 else 1.0
            scores[sc.chunk.id] = scores.get(sc.chunk.id, 0.0) + w * norm
    return _ranked(rankings, weights, scores)


def _ranked(rankings: Sequence[Sequence[ScoredChunk]], weights: Sequence[float],
            scores: dict[str, float]) -> list[ScoredChunk]:
    """Chunks by fused score. Ties (common in RRF: ranks 1 and 3 tie with 3 and 1) go by the
    rankings in order of weight, the first ranking (BM25) first on equal weights, then by id."""
    chunk: dict[str, Chunk] = {}
    order_of = sorted(range(len(rankings)), key=lambda i: -weights[i])
    missing = 1 + max((len(r) for r in rankings), default=0)
    ranks: dict[str, list[int]] = {}
    for pos, i in enumerate(order_of):
        for rank, sc in enumerate(rankings[i], start=1):
            chunk.setdefault(sc.chunk.id, sc.chunk)
            ranks.setdefault(sc.chunk.id, [missing] * len(rankings))[pos] = rank
    order = sorted(scores, key=lambda cid: (-scores[cid], ranks[cid], cid))
    return [ScoredChunk(chunk[cid], scores[cid], i + 1) for i, cid in enumerate(order)]


class HybridIndex:
    """The `hybrid` retriever kind: BM25 + dense over the same chunking, fused per the config.
    Composite: it reads the indexes of a plain bm25 and a plain dense variant."""

    config_model: ClassVar[Any] = HybridConfig
    composite: ClassVar[bool] = True

    @classmethod
    def parts(cls, cfg: HybridConfig) -> list[Any]:
        from shipcall.config.schema import BM25Retriever, DenseRetriever

        return [BM25Retriever(kind="bm25", k=cfg.k, **cfg.bm25.model_dump()),
                DenseRetriever(kind="dense", k=cfg.k, **cfg.dense.model_dump(),
                               ann_cache_mb=cfg.dense.ann_cache_mb)]  # operational: left out of dumps

    @classmethod
    def combine(cls, cfg: HybridConfig, retrievers: list[Retriever]) -> HybridIndex:
        bm25, dense = retrievers
        return cls(cfg, bm25, dense)

    def __init__(self, cfg: HybridConfig, bm25: Retriever, dense: Retriever) -> None:
        self.cfg = cfg
        self.bm25 = bm25
        self.dense = dense
        self.chunks = bm25.chunks

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        depth = max(k, self.cfg.depth)
        w = self.cfg.weights
        sides = [self.bm25.retrieve(query, depth) if w.bm25 else [],
                 self.dense.retrieve(query, depth) if w.dense else []]
        return self.fuse(sides)[:k]

    def fuse(self, sides: Sequence[Sequence[ScoredChunk]]) -> list[ScoredChunk]:
        weights = (self.cfg.weights.bm25, self.cfg.weights.dense)
        if self.cfg.fusion == "score":
            return score_fusion(sides, weights)
        return rrf(sides, weights, self.cfg.rrf_k)

    def term_weight(self, stem: str) -> float:
        return self.bm25.term_weight(stem)

    def stem(self, word: str) -> str:
        return self.bm25.stem(word)  # type: ignore[attr-defined]  # the BM25 side is a BM25Index

    def sentence_analysis(self, chunk: Chunk) -> Any:
        """The BM25 side's stored sentence analysis (same chunks, same stemmer)."""
        return self.bm25.sentence_analysis(chunk)  # type: ignore[attr-defined]
