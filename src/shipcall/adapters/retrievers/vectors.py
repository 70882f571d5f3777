"""Top-k by cosine over L2-normalised float32 vectors, exact (NumPy) or approximate (usearch
HNSW in memory; lance.py's LanceDB table on disk is a subclass), and the build-time check of an
approximate index: its recall@10 against exact search."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

RECALL_K = 10
RECALL_QUERIES = 200


class VectorSearch:
    """Top-k by cosine over L2-normalised float32 rows: exact (NumPy) or usearch HNSW."""

    def __init__(self, vectors: np.ndarray, ann: Any = None) -> None:
        self.vectors = vectors
        self.ann = ann

    @classmethod
    def build(cls, vectors: np.ndarray, *, ann_threshold: int, connectivity: int = 16,
              expansion: int = 128) -> VectorSearch:
        if len(vectors) <= ann_threshold or len(vectors) == 0:
            return cls(vectors)
        from usearch.index import Index

        index = Index(ndim=vectors.shape[1], metric="ip", dtype="f32", connectivity=connectivity,
                      expansion_add=expansion, expansion_search=expansion)
        index.add(np.arange(len(vectors), dtype=np.uint64), vectors)
        return cls(vectors, index)

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, cosine similarities), best first."""
        k = min(k, len(self.vectors))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self.ann is not None:
            m = self.ann.search(q, k)
            return np.asarray(m.keys, dtype=np.int64), 1.0 - np.asarray(m.distances, dtype=np.float32)
        return self.exact(q, k)

    def exact(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self.vectors @ q
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]  # by score, ties by row: deterministic
        return top, scores[top]

    def ann_recall(self, k: int = RECALL_K, queries: int = RECALL_QUERIES, seed: int = 0,
                   query_vectors: np.ndarray | None = None) -> dict[str, Any]:
        """Recall@k of the approximate index against exact search, over `query_vectors` when
        given, else over `queries` seeded pairs of indexed vectors, each query the normalised mean
        of a pair (near the data, but not a stored point, which would be trivially found)."""
        if self.ann is None:
            return {"approximate": False}
        qs = self.recall_queries(queries, seed) if query_vectors is None else np.asarray(query_vectors, np.float32)
        t0 = time.perf_counter()
        exact = [set(self.exact(q, k)[0].tolist()) for q in qs]
        t_exact = time.perf_counter() - t0
        return {**self.recall_against(qs, exact, k), "seed": seed, "exact_ms": 1000 * t_exact / max(len(qs), 1)}

    def recall_queries(self, queries: int = RECALL_QUERIES, seed: int = 0) -> np.ndarray:
        """`queries` seeded pairs of indexed vectors, each the normalised mean of its pair."""
        rng = np.random.default_rng(seed)
        n = len(self.vectors)
        a, b = rng.integers(0, n, queries), rng.integers(0, n, queries)
        qs = self.vectors[a] + self.vectors[b]
        qs /= np.maximum(np.linalg.norm(qs, axis=1, keepdims=True), 1e-12)
        return qs

    def recall_against(self, qs: np.ndarray, exact: list[set[int]], k: int) -> dict[str, Any]:
        """Recall@k of this index's search over `qs` against the exact top k of each (computed
        once by the caller, so that a build trying several settings searches exactly once)."""
        hits, t_ann = 0, 0.0
        for q, truth in zip(qs, exact, strict=True):
            t0 = time.perf_counter()
            approx, _ = self.search(q, k)
            t_ann += time.perf_counter() - t0
            hits += len(set(approx.tolist()) & truth)
        queries = len(qs)
        return {"approximate": True, f"recall@{k}": hits / (k * queries), "queries": queries,
                "ann_ms": 1000 * t_ann / queries}
