"""`shipcall docs list|show`: what the corpus holds, with the ids datasets use as evidence.

A document's id is its path relative to the ingested folder (`hr/time-off.md`), or the BEIR
`_id`; evidence in a dataset names these ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shipcall.adapters.ingest.chunkers import chunk_document
from shipcall.app.workspace import Workspace
from shipcall.core.documents import Chunk, Document
from shipcall.core.ids import resolve_prefix
from shipcall.errors import CorpusError


@dataclass
class DocumentSummary:
    id: str
    title: str
    headings: list[str]
    chunks: int
    words: int
    text: str = ""
    chunk_list: list[Chunk] = field(default_factory=list)

    def to_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "title": self.title, "headings": self.headings,
                               "chunks": self.chunks, "words": self.words}
        if with_text:
            out["text"] = self.text
            out["chunk_list"] = [{"id": c.id, "heading_path": list(c.heading_path), "start": c.start, "end": c.end,
                                  "text": c.text} for c in self.chunk_list]
        return out


def _summary(doc: Document, ws: Workspace, variant: str | None, keep: bool = False) -> DocumentSummary:
    _, v = ws.variant(variant)
    chunks = chunk_document(doc, v.chunker)
    headings = list(dict.fromkeys(" > ".join(s.heading_path) for s in doc.sections if s.heading_path))
    title = doc.title or (doc.sections[0].heading_path[0] if doc.sections and doc.sections[0].heading_path
                          else doc.id.rsplit("/", 1)[-1])
    return DocumentSummary(doc.id, title, headings, len(chunks), len(doc.text.split()),
                           doc.text if keep else "", chunks if keep else [])


def _require_corpus(ws: Workspace) -> None:
    if ws.store.corpus_version() is None:
        raise CorpusError("the workspace has no corpus yet", hint="run `shipcall ingest PATH` first")


def list_documents(ws: Workspace, *, under: str | None = None, variant: str | None = None) -> list[DocumentSummary]:
    """Every document (under a path prefix), with its title, headings and chunk count for the
    variant's chunker (default: the first variant)."""
    _require_corpus(ws)
    prefix = (under or "").strip("/")
    return [_summary(d, ws, variant) for d in ws.store.documents()
            if not prefix or d.id == prefix or d.id.startswith(prefix + "/")]


def show_document(ws: Workspace, doc_id: str, *, variant: str | None = None) -> DocumentSummary:
    """One document by id or unique id prefix, with its text and chunks."""
    _require_corpus(ws)
    ids = [d.id for d in ws.store.documents()]
    full = resolve_prefix(doc_id, ids, "document", field="ID", hint="list the ids with `shipcall docs list`")
    doc = ws.store.document(full)
    assert doc is not None
    return _summary(doc, ws, variant, keep=True)
