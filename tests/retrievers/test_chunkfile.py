"""Chunks on disk: places only when the store holds the text, the text itself otherwise."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from shipcall.adapters.retrievers.chunkfile import FILE, load_chunks, load_spans, save_chunks
from shipcall.core.documents import Chunk
from shipcall.errors import CorpusError

DOCS = {"a.md": "# A\n\nFirst part. Second part.", "b/c.md": "Only one chunk here."}
HASHES = {"a.md": "h-a", "b/c.md": "h-c"}
CHUNKS = [Chunk("a.md#0", "a.md", "# A\n\nFirst part.", 0, 16, ("A",)),
          Chunk("a.md#1", "a.md", "Second part.", 17, 29, ("A",)),
          Chunk("b/c.md#0", "b/c.md", "Only one chunk here.", 0, 20, ())]


def stored(ids: list[str]) -> dict[str, tuple[str, str]]:
    return {d: (HASHES[d], DOCS[d]) for d in DOCS}


def test_places_only_when_the_store_holds_the_text(tmp_path: Path) -> None:
    save_chunks(tmp_path, CHUNKS, HASHES)
    data = json.loads(gzip.decompress((tmp_path / FILE).read_bytes()))
    assert data["texts"] is None and data["ids"] is None  # no text copied; standard ids derived
    assert "First part" not in json.dumps(data)
    assert load_chunks(tmp_path, stored) == CHUNKS
    hashes, spans = load_spans(tmp_path)
    assert hashes == HASHES
    assert [(s.id, s.doc_id, s.start, s.end, s.heading_path) for s in spans] == [
        (c.id, c.doc_id, c.start, c.end, c.heading_path) for c in CHUNKS]


def test_without_a_store_the_text_is_kept(tmp_path: Path) -> None:
    odd = [Chunk("x-1", "doc", "some text", 3, 12, ("H", "I")), Chunk("x-2", "doc", "more", 20, 24)]
    save_chunks(tmp_path, odd)
    assert load_chunks(tmp_path) == odd  # custom ids and text inline, no store needed
    assert load_spans(tmp_path)[0] == {}


def test_an_index_whose_documents_changed_is_refused(tmp_path: Path) -> None:
    save_chunks(tmp_path, CHUNKS, HASHES)
    with pytest.raises(CorpusError, match="b/c.md changed since the index"):
        load_chunks(tmp_path, lambda ids: {**stored(ids), "b/c.md": ("other", "Changed text.")})
    with pytest.raises(CorpusError, match="a.md changed"):
        load_chunks(tmp_path, lambda ids: {"b/c.md": ("h-c", DOCS["b/c.md"])})
    with pytest.raises(CorpusError, match="reads its chunks' text from the store"):
        load_chunks(tmp_path)
