"""The RAG feature for one variant: its index (built or reloaded), retriever and generator.

`ask`, `run` and (later) the server all answer through `Feature.answer`, so a question is
answered the same way everywhere.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.adapters.generators.base import Generator, complete
from shipcall.adapters.generators.registry import generator_class
from shipcall.adapters.ingest.chunkers import chunk_spans
from shipcall.adapters.progress import notice, progress_bar
from shipcall.adapters.registry import RETRIEVERS
from shipcall.adapters.retrievers.base import BuildContext, Retriever
from shipcall.adapters.retrievers.bm25 import BM25Index
from shipcall.adapters.retrievers.chunkfile import DocumentTexts, Span, load_spans
from shipcall.app.workspace import Workspace
from shipcall.config.errors import config_error
from shipcall.config.schema import Variant
from shipcall.core.documents import ChunkSpan, Document, ScoredChunk, SlicedChunks
from shipcall.core.runs import Answer
from shipcall.errors import ConfigError, CorpusError


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


def chunker_key(variant: Variant) -> str:
    return _hash(variant.chunker.model_dump())


def index_key(variant: Variant, corpus_version: str) -> str:
    """Indexes are shared by every variant with the same corpus, chunking and BM25 settings."""
    r = {k: v for k, v in variant.retriever.model_dump().items() if k != "k"}
    return f"{corpus_version}-{chunker_key(variant)}-{_hash(r)}"


@dataclass
class Response:
    """One answered question: the retrieved chunks, the answer, per-stage latency (ms)."""

    chunks: list[ScoredChunk]
    answer: Answer
    latency_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self, variant: str) -> dict[str, Any]:
        """The ask response shape: `shipcall ask --json` and the server's /v1/ask. `answer` is
        the answer itself (an extractive answer's span: "20 days"), `context` the sentence or
        sentences it was taken from (the answer itself when it has no separate context)."""
        a = self.answer
        return {
            "variant": variant,
            "answer": a.text,
            "context": a.context or a.text,
            "citations": [{"doc_id": c.doc_id, "chunk_id": c.chunk_id, "heading_path": list(c.heading_path),
                           "snippet": c.snippet} for c in a.citations],
            "abstained": a.abstained,
            "support": a.support,
            "near_misses": [{"doc_id": sc.chunk.doc_id, "chunk_id": sc.chunk.id, "score": sc.score}
                            for sc in self.chunks[:3]] if a.abstained else [],
            "latency_ms": {k: round(v, 3) for k, v in self.latency_ms.items()},
            **({"usage": {"tokens_in": a.tokens_in, "tokens_out": a.tokens_out, "cost": a.cost, "cached": a.cached,
                          "model": a.meta.get("model")}} if a.meta else {}),
        }


class Feature:
    def __init__(self, name: str, variant: Variant, retriever: Retriever, corpus_version: str) -> None:
        self.name = name
        self.variant = variant
        self.retriever = retriever
        self.corpus_version = corpus_version
        cls = generator_class(variant.generator.kind)
        self.generator: Generator = complete(cls(variant.generator, retriever))
        self._retrieve_lock = threading.Lock()  # runs answer items on threads; retrievers need not be thread-safe
        self.load_ms = 0.0  # opening it: loading (or building) the index and any model, set by open()
        self.built_index = False  # open() had to build the index first

    @classmethod
    def open(cls, ws: Workspace, name: str | None = None, *, variant: Variant | None = None,
             show_progress: bool | None = None) -> Feature:
        """The named variant of the workspace, or (with `variant`) that configuration under `name`
        (a sweep's in-memory combinations)."""
        t0 = time.perf_counter()
        if variant is None:
            name, variant = ws.variant(name)
        assert name is not None
        version = ws.corpus_version()
        if version is None:
            raise CorpusError("the workspace has no corpus yet",
                              hint="run `shipcall ingest PATH` (a folder of documents) first")
        built = not index_is_complete(ws, variant, version)
        feature = cls(name, variant, ensure_index(ws, variant, version, show_progress=show_progress), version)
        feature.built_index = built
        if feature.generator.capabilities.binds:  # LLM generators: the response cache, prompt paths
            feature.generator.bind(store=ws.store, root=ws.root)
        warm = getattr(feature.generator, "warm", None)  # a generator with a model loads it now, not mid-answer
        if callable(warm):
            warm()
        feature.load_ms = (time.perf_counter() - t0) * 1000
        return feature

    @property
    def loads_model(self) -> bool:
        return loads_model(self.variant)

    def identity(self) -> dict[str, Any]:
        """What determines the answers beyond the variant's config (an LLM prompt template's hash)."""
        return dict(self.generator.identity())

    @property
    def variant_hash(self) -> str:
        """The variant's hash, including its prompt template's content when it has one."""
        ident = self.identity()
        return _hash({"variant": self.variant.hash, **ident}) if ident else self.variant.hash

    @property
    def concurrency(self) -> int:
        """Items a run may answer at once (LLM generators: their `concurrency`; others 1)."""
        return max(1, int(self.generator.capabilities.concurrency or 1))

    @property
    def streams(self) -> bool:
        return self.generator.capabilities.streams

    def answer(self, question: str, on_text: Callable[[str], None] | None = None) -> Response:
        """Retrieve and generate. `on_text` receives the answer as it streams, when the generator
        streams (`stream: true`). `latency_ms` has retrieve, generate and total, and `ttft` (time
        to the first token, from the question) when the generator measures it. A generator that
        times its own call (LLM generators: from the first attempt, retries included) reports that
        as `generate`, so a reply from the response cache keeps its original call's timing."""
        t0 = time.perf_counter()
        with self._retrieve_lock:
            chunks = self.retriever.retrieve(question, self.variant.retriever.k)
        t1 = time.perf_counter()
        if on_text is not None and self.streams:
            answer = self.generator.generate(question, chunks, on_text=on_text)
        else:
            answer = self.generator.generate(question, chunks)
        t2 = time.perf_counter()
        retrieve, generate = (t1 - t0) * 1000, (t2 - t1) * 1000
        if answer.generate_ms is not None:  # the generator's own timing of its call (for a cached reply: the original)
            generate = answer.generate_ms
        latency = {"retrieve": retrieve, "generate": generate, "total": retrieve + generate}
        if answer.ttft_ms is not None:
            latency["ttft"] = retrieve + min(answer.ttft_ms, generate)
        return Response(chunks, answer, latency)


def retriever_kind(cfg: Any) -> Any:
    """The registered kind of a retriever config, and the config validated by its own model
    (a plugin kind arrives as a generic mapping and is checked here, naming the bad key)."""
    from pydantic import ValidationError

    kind = RETRIEVERS.get(cfg.kind)
    model = getattr(kind, "config_model", None)
    if model is not None and not isinstance(cfg, model):
        try:
            cfg = model.model_validate(cfg.model_dump())
        except ValidationError as e:
            err = config_error(e, model)
            field = f"retriever.{err.field}" if err.field else "retriever"
            raise ConfigError(f"retriever {cfg.kind!r}: {err.message}", field=field, hint=err.hint) from None
    return kind, cfg


def loads_model(variant: Variant) -> bool:
    """Whether opening the variant loads an embedding model (a dense part, or the extractive
    generator's `semantic` sentence scoring): seconds, not milliseconds."""
    return (any(p.retriever.kind == "dense" for p in index_parts(variant))
            or bool(getattr(variant.generator, "semantic", False)))


def index_parts(variant: Variant) -> list[Variant]:
    """The variants whose indexes a variant's retriever reads: itself, or for a composite kind
    (hybrid) the plain variants of its parts (so a hybrid variant shares their indexes)."""
    kind, cfg = retriever_kind(variant.retriever)
    if not kind.composite:
        return [variant]
    return [variant.model_copy(update={"retriever": part}) for part in kind.parts(cfg)]


def index_paths(ws: Workspace, variant: Variant, corpus_version: str) -> list[Path]:
    return [ws.index_dir / index_key(p, corpus_version) for p in index_parts(variant)]


def index_is_complete(ws: Workspace, variant: Variant, corpus_version: str) -> bool:
    return not stale_index_paths(ws, variant, corpus_version)


def _with_texts(method: Callable[..., Any], texts: DocumentTexts) -> Callable[..., Any]:
    """`method` given the stored documents' text (`texts=`) when it takes them: an index that keeps
    its chunks' places only reads their text from the store (a plugin kind may not)."""
    if "texts" in inspect.signature(method).parameters:
        return functools.partial(method, texts=texts)
    return method


def _usable(ws: Workspace, kind: Any, cfg: Any, path: Path, texts: DocumentTexts | None = None) -> bool:
    """A complete index that is still current: a kind built from the embedding cache says, with
    `is_current(path, cfg, cache_dir)`, whether the cache still holds the vectors it was built from."""
    if not kind.is_complete(path):
        return False
    current = getattr(kind, "is_current", None)
    if current is None:
        return True
    return bool(_with_texts(current, texts or stored_texts(ws))(path, cfg, embedding_cache_dir(ws)))


def stale_index_paths(ws: Workspace, variant: Variant, corpus_version: str) -> list[Path]:
    """The indexes of a variant that are missing, incomplete or no longer current (to be built)."""
    stale, texts = [], stored_texts(ws)
    for part, path in zip(index_parts(variant), index_paths(ws, variant, corpus_version), strict=True):
        kind, cfg = retriever_kind(part.retriever)
        if not _usable(ws, kind, cfg, path, texts):
            stale.append(path)
    return stale


def index_summary(path: Path) -> dict[str, Any]:
    """What a built index says about itself (its shipcall.json): kind, chunks, build time, and for
    dense indexes how they search and, when approximate, their recall@10 against exact search."""
    try:
        meta = json.loads((path / "shipcall.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"index": path.name}
    out = {"index": path.name, "kind": meta.get("kind"), "n_chunks": meta.get("n_chunks"),
           "build_seconds": meta.get("build_seconds")}
    if meta.get("kind") == "dense":
        out |= {"search": meta.get("search", "usearch" if (meta.get("ann") or {}).get("approximate") else "exact"),
                "embedded": meta.get("embedded"), "ann": meta.get("ann")}
    return out


def embedding_cache_dir(ws: Workspace) -> Path:
    return ws.state_dir / "embeddings"


def ensure_index(ws: Workspace, variant: Variant, corpus_version: str, *,
                 show_progress: bool | None = None, embedder: Any = None,
                 documents: list[Document] | None = None, texts: DocumentTexts | None = None) -> Retriever:
    """Load the variant's index, or build it; a composite kind opens its parts and joins them.
    `show_progress`: None shows bars for the steps that last (adapters/progress.py), False none;
    `embedder`: where dense embeddings are computed (Ray), None here; `documents`: the corpus
    as stored, when the caller holds it (ingest), so that it is not read back from the store."""
    kind, cfg = retriever_kind(variant.retriever)
    texts = texts or stored_texts(ws, documents)
    if kind.composite:
        parts = [ensure_index(ws, p, corpus_version, show_progress=show_progress, embedder=embedder,
                              documents=documents, texts=texts)
                 for p in index_parts(variant)]
        return kind.combine(cfg, parts)
    path = ws.index_dir / index_key(variant, corpus_version)
    if _usable(ws, kind, cfg, path, texts):
        return _with_texts(kind.load_index, texts)(path, cfg)
    stale = getattr(kind, "stale_reason", None)  # an index of an older shipcall: say why it is rebuilt
    why = stale(path) if callable(stale) else None
    if why:
        notice(f"index {path.name}: rebuilding it: {why}", show_progress)
    chunks = chunk_corpus(ws, variant, show_progress=show_progress, documents=documents)
    if not chunks:
        raise CorpusError("the corpus has no text to index", hint="ingest a folder with documents in it")
    hashes = {d.id: d.hash for d in documents} if documents is not None else ws.store.document_hashes()
    ctx = BuildContext(cache_dir=embedding_cache_dir(ws), show_progress=show_progress,
                       embedder=embedder, doc_hashes=hashes)
    return kind.build_index(chunks, cfg, path, ctx)


def stored_texts(ws: Workspace, documents: list[Document] | None = None) -> DocumentTexts:
    """The stored documents' text by id, read once however many indexes open (hybrid: two)."""
    held: dict[str, dict[str, tuple[str, str]]] = {}

    def texts(ids: list[str]) -> dict[str, tuple[str, str]]:
        if "all" not in held:
            held["all"] = ({d.id: (d.hash, d.text) for d in documents} if documents is not None
                           else ws.document_texts())
        return held["all"]

    return texts


def chunk_corpus(ws: Workspace, variant: Variant, *, show_progress: bool | None = None,
                 documents: list[Document] | None = None) -> SlicedChunks:
    """Chunk every document (`documents`, or the stored ones), in the order of their ids, reusing
    the places of unchanged documents' chunks in the newest index built with the same chunker
    (re-ingesting re-chunks only what changed). The chunks' text stays in the documents: each
    chunk is sliced out when it is read (an index build reads each once)."""
    reuse = _previous_chunks(ws.index_dir, chunker_key(variant))
    docs = sorted(documents if documents is not None else ws.store.documents(), key=lambda d: d.id)
    spans: list[tuple[str, ChunkSpan]] = []
    bar = progress_bar(len(docs), "chunk", "doc", show=show_progress)
    try:
        for doc in docs:
            kept = reuse.get((doc.id, doc.hash))
            if kept is None:
                spans.extend((doc.id, sp) for sp in chunk_spans(doc, variant.chunker))
            else:
                spans.extend((doc.id, (s.id, s.start, s.end, s.heading_path)) for s in kept)
            bar.update(1)
    finally:
        bar.close()
    # chunk_spans numbers each document's chunks "<doc id>#<n>", and reused places keep those ids
    return SlicedChunks({d.id: d.text for d in docs}, spans, standard_ids=True)


def _previous_chunks(index_dir: Path, ckey: str) -> dict[tuple[str, str], list[Span]]:
    if not index_dir.is_dir():
        return {}
    candidates = [p for p in index_dir.iterdir() if f"-{ckey}-" in p.name and BM25Index.is_complete(p)]
    if not candidates:
        return {}
    newest = max(candidates, key=lambda p: p.stat().st_mtime)
    try:
        hashes, spans = load_spans(newest)
    except (OSError, ValueError, KeyError):
        return {}
    out: dict[tuple[str, str], list[Span]] = {}
    for sp in spans:
        if sp.doc_id in hashes:
            out.setdefault((sp.doc_id, hashes[sp.doc_id]), []).append(sp)
    return out
