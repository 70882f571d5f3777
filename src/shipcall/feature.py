"""The RAG feature for one variant: its index (built or reloaded), retriever and generator.

`ask`, `run` and (later) the server all answer through `Feature.answer`, so a question is
answered the same way everywhere.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.config.schema import Variant
from shipcall.core.documents import Chunk, Document, ScoredChunk
from shipcall.core.runs import Answer
from shipcall.errors import CorpusError
from shipcall.generators.registry import generator_class
from shipcall.ingest.chunkers import chunk_document
from shipcall.retrievers.bm25 import BM25Index, load_chunks
from shipcall.workspace import Workspace


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


class Feature:
    def __init__(self, name: str, variant: Variant, retriever: BM25Index, corpus_version: str) -> None:
        self.name = name
        self.variant = variant
        self.retriever = retriever
        self.corpus_version = corpus_version
        cls = generator_class(variant.generator.kind)
        self.generator = cls(variant.generator, retriever)

    @classmethod
    def open(cls, ws: Workspace, name: str | None = None, *, show_progress: bool = False) -> Feature:
        name, variant = ws.variant(name)
        version = ws.store.corpus_version()
        if version is None:
            raise CorpusError("the workspace has no corpus yet",
                              hint="run `shipcall ingest PATH` (a folder of documents) first")
        return cls(name, variant, ensure_index(ws, variant, version, show_progress=show_progress), version)

    def answer(self, question: str) -> Response:
        t0 = time.perf_counter()
        chunks = self.retriever.retrieve(question, self.variant.retriever.k)
        t1 = time.perf_counter()
        answer = self.generator.generate(question, chunks)
        t2 = time.perf_counter()
        return Response(chunks, answer, {"retrieve": (t1 - t0) * 1000, "generate": (t2 - t1) * 1000,
                                         "total": (t2 - t0) * 1000})


def ensure_index(ws: Workspace, variant: Variant, corpus_version: str, *, show_progress: bool = False) -> BM25Index:
    path = ws.index_dir / index_key(variant, corpus_version)
    if BM25Index.is_complete(path):
        return BM25Index.load(path, variant.retriever)
    chunks = chunk_corpus(ws, variant)
    if not chunks:
        raise CorpusError("the corpus has no text to index", hint="ingest a folder with documents in it")
    return BM25Index.build(chunks, variant.retriever, path, show_progress=show_progress,
                           extra={"doc_hashes.json": ws.store.document_hashes()})


def chunk_corpus(ws: Workspace, variant: Variant) -> list[Chunk]:
    """Chunk every document, reusing the chunks of unchanged documents from the newest index
    built with the same chunker (re-ingesting re-chunks only what changed)."""
    reuse = _previous_chunks(ws.index_dir, chunker_key(variant))
    chunks: list[Chunk] = []
    for doc in ws.store.documents():
        cached = reuse.get((doc.id, doc.hash))
        chunks.extend(cached if cached is not None else chunk_document(doc, variant.chunker))
    return chunks


def _previous_chunks(index_dir: Path, ckey: str) -> dict[tuple[str, str], list[Chunk]]:
    if not index_dir.is_dir():
        return {}
    candidates = [p for p in index_dir.iterdir() if f"-{ckey}-" in p.name and BM25Index.is_complete(p)]
    if not candidates:
        return {}
    newest = max(candidates, key=lambda p: p.stat().st_mtime)
    hashes_file = newest / "doc_hashes.json"
    if not hashes_file.is_file():
        return {}
    hashes: dict[str, str] = json.loads(hashes_file.read_text())
    out: dict[tuple[str, str], list[Chunk]] = {}
    for c in load_chunks(newest):
        out.setdefault((c.doc_id, hashes.get(c.doc_id, "")), []).append(c)
    return out


_ = Document
