"""An index's chunks on disk: where each chunk lies in its document, not its text.

The documents' text lives once, in the store. An index built from stored documents keeps, for each
chunk, its document, character offsets and heading path (`chunks.json.gz`), and the hash of every
document it read; opening it slices each chunk's text out of the stored documents, after checking
that they are still the ones it was built from. An index built from chunks that no store holds
(a test, a benchmark) keeps their text inline instead, and opens on its own.

chunks.json.gz, gzipped JSON: {"docs": [doc id, ...], "hashes": [content hash, ...] | null, "headings": [[heading,
...], ...], "doc": [doc number per chunk], "start": [...], "end": [...], "heading": [heading number
per chunk], "ids": [chunk id, ...] | null (null: each is "<doc id>#<n>", n counting from 0 within its
document), "texts": [chunk text, ...] | null (null: sliced out of the stored documents), "deltas": true}.
With "deltas" (every file written now), "doc" and "heading" hold each number's difference from
the previous chunk's (0 or 1: chunks come in document order, heading paths are numbered as first
met), "start" the chunk's start less the previous chunk's end, "end" the chunk's length: small
numbers, which take a quarter of the bytes of the file's offsets (compressed).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import add, sub
from pathlib import Path
from typing import Any

from shipcall.core.documents import Chunk, SlicedChunks
from shipcall.errors import CorpusError

FILE = "chunks.json.gz"  # gzip: the heading paths repeat (4 MB of JSON for 70,000 chunks, 1.5 MB gzipped)

# doc ids -> {doc id: (content hash, text)}: the stored documents an index slices its chunks from
DocumentTexts = Callable[[list[str]], Mapping[str, tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Span:
    """A chunk without its text."""

    id: str
    doc_id: str
    start: int
    end: int
    heading_path: tuple[str, ...]


def save_chunks(path: Path, chunks: Sequence[Chunk], doc_hashes: Mapping[str, str] | None = None) -> None:
    """Write `chunks` to `path`/chunks.json.gz: spans when `doc_hashes` (the stored documents' hashes)
    says where their text is, the text itself otherwise."""
    if isinstance(chunks, SlicedChunks):  # their places, without making each chunk (and copying its text)
        rows = [(d, *place) for d, place in chunks.spans()]
        standard = chunks.standard_ids
    else:
        rows = [(c.doc_id, c.id, c.start, c.end, tuple(c.heading_path)) for c in chunks]
        standard = False
    doc_ids, cids, starts, ends, paths = (list(col) for col in zip(*rows, strict=True)) if rows else ([],) * 5
    del rows
    number = {d: i for i, d in enumerate(dict.fromkeys(doc_ids))}
    headings: dict[tuple[str, ...], int] = {}
    heading = [headings.setdefault(p, len(headings)) for p in paths]
    if not standard:
        seen: dict[str, int] = {}
        expected = []
        for d in doc_ids:
            n = seen[d] = seen.get(d, -1) + 1
            expected.append(f"{d}#{n}")
        standard = cids == expected
    inline = doc_hashes is None or any(d not in doc_hashes for d in number)
    docs = list(map(number.__getitem__, doc_ids))
    data = {
        "docs": list(number), "hashes": None if inline or doc_hashes is None else [doc_hashes[d] for d in number],
        "headings": [list(h) for h in headings], "doc": list(map(sub, docs, [0, *docs[:-1]])),
        "start": list(map(sub, starts, [0, *ends[:-1]])), "end": list(map(sub, ends, starts)),
        "heading": list(map(sub, heading, [0, *heading[:-1]])),
        "ids": None if standard else cids, "texts": [c.text for c in chunks] if inline else None, "deltas": True,
    }
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    (path / FILE).write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))


def _read(path: Path) -> dict[str, Any]:
    """The file's data with absolute numbers."""
    data: dict[str, Any] = json.loads(gzip.decompress((path / FILE).read_bytes()))
    if data.get("deltas"):
        lengths = data["end"]
        starts = list(accumulate(map(add, data["start"], [0, *lengths[:-1]])))
        data["start"], data["end"] = starts, list(map(add, starts, lengths))
        data["doc"] = list(accumulate(data["doc"]))
        data["heading"] = list(accumulate(data["heading"]))
    return data


def _ids(data: dict[str, Any]) -> list[str]:
    if data["ids"] is not None:
        return list(data["ids"])
    out, seen = [], [0] * len(data["docs"])
    for d in data["doc"]:
        out.append(f"{data['docs'][d]}#{seen[d]}")
        seen[d] += 1
    return out


def load_spans(path: Path) -> tuple[dict[str, str], list[Span]]:
    """(the hash of every document the index read, empty when its text is inline; the spans)."""
    data = _read(path)
    docs, headings = data["docs"], [tuple(h) for h in data["headings"]]
    hashes = dict(zip(docs, data["hashes"], strict=True)) if data["hashes"] is not None else {}
    spans = [Span(cid, docs[d], s, e, headings[h])
             for cid, d, s, e, h in zip(_ids(data), data["doc"], data["start"], data["end"], data["heading"],
                                        strict=True)]
    return hashes, spans


def load_chunks(path: Path, texts: DocumentTexts | None = None) -> list[Chunk]:
    """The chunks, their text inline or sliced out of `texts` (the stored documents)."""
    data = _read(path)
    docs, headings = data["docs"], [tuple(h) for h in data["headings"]]
    ids = _ids(data)
    if data["texts"] is not None:
        return [Chunk(cid, docs[d], t, s, e, headings[h])
                for cid, d, s, e, h, t in zip(ids, data["doc"], data["start"], data["end"], data["heading"],
                                              data["texts"], strict=True)]
    if texts is None:
        raise CorpusError(f"the index {path.name} reads its chunks' text from the store",
                          hint="open it through its workspace (Feature.open)")
    stored = texts(docs)
    bodies: list[str] = []
    for doc_id, want in zip(docs, data["hashes"], strict=True):
        got = stored.get(doc_id)
        if got is None or got[0] != want:
            raise CorpusError(f"document {doc_id} changed since the index {path.name} was built",
                              hint="another ingest is under way or was interrupted: run `shipcall ingest` "
                                   "again, then retry")
        bodies.append(got[1])
    return [Chunk(cid, docs[d], bodies[d][s:e], s, e, headings[h])
            for cid, d, s, e, h in zip(ids, data["doc"], data["start"], data["end"], data["heading"], strict=True)]
