"""Document, Chunk and Corpus: what the retriever indexes and what evidence names."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import overload


def content_hash(text: str) -> str:
    """A stable hash of a document's or chunk's text (sha256, hex, first 16 chars)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)  # slots: a corpus holds hundreds of thousands
class Section:
    """A span of a document's text under one heading path (character offsets into the text)."""

    heading_path: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """One source file or record: a stable id (relative path or BEIR _id), its text and hash.

    `sections` carry the heading structure found by the loader (Markdown/HTML headings), so that
    chunkers can split along it and chunks know their heading path.
    """

    id: str
    text: str
    title: str = ""
    sections: tuple[Section, ...] = ()
    hash: str = ""

    def __post_init__(self) -> None:
        if not self.hash:
            object.__setattr__(self, "hash", content_hash(self.text))


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of a document: knows its document, character offsets and heading path."""

    id: str
    doc_id: str
    text: str
    start: int
    end: int
    heading_path: tuple[str, ...] = ()

    @property
    def hash(self) -> str:
        return content_hash(self.text)


ChunkSpan = tuple[str, int, int, tuple[str, ...]]  # a chunk without its text: (id, start, end, heading path)


class SlicedChunks(Sequence[Chunk]):
    """A corpus's chunks, each made (its text sliced out of its document's) when it is asked for:
    the chunks of a corpus without a second copy of the corpus's text. An index build reads each
    chunk once; a retriever asks for the few it returns."""

    __slots__ = ("_texts", "_spans", "standard_ids")

    def __init__(self, texts: Mapping[str, str], spans: list[tuple[str, ChunkSpan]], *,
                 standard_ids: bool = False) -> None:
        self._texts = texts  # doc id -> text
        self._spans = spans  # (doc id, span), in chunk order
        self.standard_ids = standard_ids  # every id is "<doc id>#<n>", n counting within its document

    def _make(self, item: tuple[str, ChunkSpan]) -> Chunk:
        doc_id, (cid, start, end, heading) = item
        return Chunk(cid, doc_id, self._texts[doc_id][start:end], start, end, heading)

    def __len__(self) -> int:
        return len(self._spans)

    @overload
    def __getitem__(self, i: int) -> Chunk: ...

    @overload
    def __getitem__(self, i: slice) -> list[Chunk]: ...

    def __getitem__(self, i: int | slice) -> Chunk | list[Chunk]:
        if isinstance(i, slice):
            return [self._make(x) for x in self._spans[i]]
        return self._make(self._spans[i])

    def __iter__(self) -> Iterator[Chunk]:
        return map(self._make, self._spans)

    def spans(self) -> list[tuple[str, ChunkSpan]]:
        """(doc id, (chunk id, start, end, heading path)) of every chunk, in order."""
        return self._spans


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A retrieved chunk with its retrieval score and 1-based rank."""

    chunk: Chunk
    score: float
    rank: int


@dataclass(frozen=True)
class Corpus:
    """The set of documents; its version is derived from the documents' ids and hashes."""

    documents: dict[str, str] = field(default_factory=dict)  # doc id -> content hash

    @property
    def version(self) -> str:
        return corpus_version(self.documents)


def corpus_version(hashes: dict[str, str]) -> str:
    """The corpus version: a hash over the sorted (doc id, content hash) pairs."""
    h = hashlib.sha256()
    for doc_id in sorted(hashes):
        h.update(doc_id.encode("utf-8"))
        h.update(b"\0")
        h.update(hashes[doc_id].encode("ascii"))
        h.update(b"\n")
    return h.hexdigest()[:12]


def document_ranking(chunks: list[ScoredChunk]) -> list[tuple[str, float, int]]:
    """Chunks ranked → documents ranked: a document's rank is its best chunk's rank.

    Later chunks of an already-ranked document are dropped. Returns (doc_id, score, rank).
    """
    seen: set[str] = set()
    out: list[tuple[str, float, int]] = []
    for sc in sorted(chunks, key=lambda s: s.rank):
        if sc.chunk.doc_id in seen:
            continue
        seen.add(sc.chunk.doc_id)
        out.append((sc.chunk.doc_id, sc.score, len(out) + 1))
    return out
