"""An on-disk vector index for dense retrieval (`index: lancedb`): an IVF index in an embedded
LanceDB table, read per query instead of held in memory.

Why: the in-memory search keeps every vector resident (1M MiniLM vectors are 1.5 GB of float32,
plus the HNSW graph above `ann_threshold`), in every process that answers — each `serve`
replica, each run. LanceDB keeps the vectors in Lance files beside the index and reads only the
partitions a query probes, so a process holds what it touches (BENCHMARKS.md, section lancedb,
has peak memory and latency at 1M vectors beside the in-memory index).

- The table (`lancedb/vectors.lance` in the index folder) has one row per chunk: `row` (the
  chunk's position in chunks.json.gz) and `vector` (its L2-normalised float32 embedding from the
  embedding cache, the same vectors the in-memory search uses).
- The index is IVF_FLAT with the dot product: k-means partitions (`ann_partitions`, default √n,
  the usual IVF sizing), full vectors inside each partition, so the scores of what is found are
  exact cosines and the only approximation is which partitions are searched (`ann_nprobes`;
  more when the probed ones hold fewer than k vectors). IVF_FLAT because it builds in about a minute
  at 1M vectors on 2 cores, where LanceDB's IVF_PQ and IVF_HNSW_SQ took minutes at 100k.
- Recall@10 against exact search is measured at build time, while the vectors are still in
  memory, by the same code as the usearch index's (VectorSearch.ann_recall). Unless the variant
  sets `ann_nprobes`, the build raises nprobes until that recall reaches 0.9 (`tune_nprobes`) and
  stores the setting with the index.

lancedb and pyarrow are imported inside functions only; without the `lancedb` extra,
`require_lancedb()` raises MissingExtraError naming the install line.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from shipcall.adapters.retrievers.vectors import RECALL_K, VectorSearch
from shipcall.errors import MissingExtraError

TABLE = "vectors"
INSTALL_HINT = 'install the `lancedb` extra: `pip install -e ".[lancedb]"` (or `pip install "shipcall[lancedb]"`)'
FIRST_NPROBES = 20  # LanceDB's own default: where tuning starts
TUNED_RECALL = 0.9  # the recall@10 a tuned nprobes reaches (render/ingest.py warns below it)
WRITE_ROWS = 65_536  # rows per record batch written: the Arrow copy of the vectors stays small


def require_lancedb() -> Any:
    """The lancedb module, or MissingExtraError naming the install line."""
    try:
        import lancedb
    except ImportError as e:
        raise MissingExtraError(f"`index: lancedb` needs the `lancedb` extra, which is not installed ({e})",
                                field="retriever.index", hint=INSTALL_HINT) from None
    return lancedb


def partitions_for(n: int, configured: int | None) -> int:
    """The IVF partitions for n vectors: as configured, else √n (about √n vectors each); never
    more than there are vectors."""
    return max(1, min(n, configured or round(math.sqrt(n))))


class LanceSearch(VectorSearch):
    """Top-k by cosine from a LanceDB IVF_FLAT table. `vectors` is set only in the process that
    built it (exact search for the recall check); an opened index holds no vectors."""

    def __init__(self, table: Any, n: int, nprobes: int, vectors: np.ndarray | None = None) -> None:
        super().__init__(vectors if vectors is not None else np.zeros((0, 0), np.float32), ann=table)
        self.table = table
        self.n = n
        self.nprobes = nprobes

    @classmethod
    def create(cls, vectors: np.ndarray, folder: Path, *, partitions: int | None, nprobes: int) -> LanceSearch:
        """Write the vectors to a new table in `folder` and train its IVF index."""
        lancedb = require_lancedb()
        import pyarrow as pa
        from lancedb.index import IvfFlat

        n, dim = vectors.shape
        schema = pa.schema([pa.field("row", pa.int64()), pa.field("vector", pa.list_(pa.float32(), dim))])

        def batches() -> Any:
            for i in range(0, n, WRITE_ROWS):
                block = np.ascontiguousarray(vectors[i:i + WRITE_ROWS], dtype=np.float32)
                yield pa.record_batch([pa.array(np.arange(i, i + len(block), dtype=np.int64)),
                                       pa.FixedSizeListArray.from_arrays(pa.array(block.reshape(-1)), dim)],
                                      schema=schema)

        db = lancedb.connect(str(folder))
        table = db.create_table(TABLE, data=pa.RecordBatchReader.from_batches(schema, batches()), schema=schema)
        table.create_index("vector", config=IvfFlat(distance_type="dot", num_partitions=partitions_for(n, partitions)))
        return cls(table, n, nprobes, vectors)

    @classmethod
    def open(cls, folder: Path, nprobes: int, cache_mb: int | None = 256) -> LanceSearch:
        """The table in `folder`, keeping at most `cache_mb` of the index partitions it reads in
        memory (None: LanceDB's default, which keeps everything it has read: after a few hundred
        queries the whole index, measured in BENCHMARKS.md)."""
        lancedb = require_lancedb()
        session = None if cache_mb is None else lancedb.Session(index_cache_size_bytes=cache_mb << 20)
        table = lancedb.connect(str(folder), session=session).open_table(TABLE)
        return cls(table, table.count_rows(), nprobes)

    def _query(self, q: Any, k: int, *, widen: bool = False) -> Any:
        """`nprobes` partitions, exactly (LanceDB's open-ended probing, maximum_nprobes(0), kept
        probing until its result was exact: 1.0 recall at any nprobes, at full-scan cost); `widen`
        lifts the cap for the rare query whose probed partitions hold fewer than k vectors."""
        query = self.table.search(q, vector_column_name="vector").distance_type("dot")
        query = query.minimum_nprobes(self.nprobes).maximum_nprobes(0) if widen else query.nprobes(self.nprobes)
        return query.limit(k).select(["row", "_distance"])

    def search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(row indices, cosine similarities), best first, ties by row."""
        k = min(k, self.n)
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = np.asarray(q, dtype=np.float32)
        got = self._query(q, k).to_arrow()
        if got.num_rows < k:
            got = self._query(q, k, widen=True).to_arrow()
        return _ranked(got["row"].to_numpy(), got["_distance"].to_numpy())

    def search_many(self, qs: np.ndarray, k: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """`search` for many queries in one LanceDB call (its threads work through them together)."""
        k = min(k, self.n)
        if k <= 0 or len(qs) == 0:
            return [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in range(len(qs))]
        if len(qs) == 1:
            return [self.search(qs[0], k)]
        got = self._query([np.asarray(q, dtype=np.float32) for q in qs], k).to_arrow()
        which, rows, dist = (got[c].to_numpy() for c in ("query_index", "row", "_distance"))
        out = []
        for i in range(len(qs)):
            mine = which == i
            out.append(_ranked(rows[mine], dist[mine]) if mine.sum() >= k else self.search(qs[i], k))
        return out

    def tune_nprobes(self, partitions: int, target: float = TUNED_RECALL) -> dict[str, Any]:
        """Set `nprobes` to the fewest partitions, from FIRST_NPROBES and doubling (at most all of
        them), whose recall@10 against exact search reaches `target`, and return that recall check
        with the settings tried. Why: a fixed nprobes searches a shrinking share of the partitions
        as the corpus grows (√n of them): 20 of 316 at 100k vectors gave recall 0.99 in
        BENCHMARKS.md, 20 of 1,000 at 1M only 0.66. The exact top 10 is computed once."""
        qs = self.recall_queries()
        t0 = time.perf_counter()
        exact = [set(self.exact(q, RECALL_K)[0].tolist()) for q in qs]
        exact_ms = 1000 * (time.perf_counter() - t0) / max(len(qs), 1)
        tried: list[dict[str, float]] = []
        self.nprobes = min(FIRST_NPROBES, partitions)
        while True:
            got = self.recall_against(qs, exact, RECALL_K)
            tried.append({"nprobes": self.nprobes, f"recall@{RECALL_K}": got[f"recall@{RECALL_K}"]})
            if got[f"recall@{RECALL_K}"] >= target or self.nprobes >= partitions:
                return {**got, "seed": 0, "exact_ms": exact_ms, "tuned_to": target, "tried": tried}
            self.nprobes = min(2 * self.nprobes, partitions)

    def describe(self, partitions: int | None = None) -> dict[str, Any]:
        """What the index is, for the build report."""
        return {"index": "lancedb", "index_type": "IVF_FLAT", "partitions": partitions, "nprobes": self.nprobes}


def _ranked(rows: np.ndarray, distances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LanceDB's dot distance is 1 - dot: back to similarities, best first, ties by row (so a
    ranking does not depend on the order LanceDB's threads finish in)."""
    scores = (1.0 - distances).astype(np.float32)
    rows = rows.astype(np.int64)
    order = np.lexsort((rows, -scores))
    return rows[order], scores[order]
