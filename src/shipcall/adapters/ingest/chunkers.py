"""Split Documents into Chunks: fixed word windows, heading-aware, sentence-packed, or whole.

Every chunk knows its document, its character offsets into the document's text and its
heading path (the section it starts in), so citations point back into the source.
"""

from __future__ import annotations

from typing import Any

from shipcall.adapters.registry import CHUNKERS
from shipcall.config.schema import ChunkerConfig, DocumentChunker, FixedChunker, HeadingChunker, SentenceChunker
from shipcall.core.documents import Chunk, ChunkSpan, Document, Section
from shipcall.core.text import sentence_spans, word_spans

MIN_SECTION_WORDS = 8  # a section shorter than this (a bare heading) joins the next one


def chunk_document(doc: Document, cfg: ChunkerConfig) -> list[Chunk]:
    return [Chunk(cid, doc.id, doc.text[start:end], start, end, heading)
            for cid, start, end, heading in chunk_spans(doc, cfg)]


def chunk_spans(doc: Document, cfg: ChunkerConfig) -> list[ChunkSpan]:
    """The document's chunks as (id, start, end, heading path), without copying their text."""
    return [(f"{doc.id}#{i}", start, end, _heading_at(doc, start, end))
            for i, (start, end) in enumerate(CHUNKERS.get(cfg.kind)(doc, cfg))]


def _heading_at(doc: Document, start: int, end: int) -> tuple[str, ...]:
    """The heading path of the section a chunk starts in; when that section is a bare heading
    (fewer than MIN_SECTION_WORDS words) and the chunk runs into the next one, the deeper path
    of the section its content actually comes from."""
    sections = doc.sections
    idx = -1
    for i, s in enumerate(sections):  # a loop, not next(generator): a chunk of a corpus asks once each
        if s.start <= start < s.end:
            idx = i
            break
    if idx < 0:
        return ()
    while (idx + 1 < len(sections) and sections[idx + 1].start < end
           and _fewer_words(doc.text, sections[idx].start, sections[idx].end, MIN_SECTION_WORDS)):
        idx += 1
    return sections[idx].heading_path


def _fewer_words(text: str, start: int, end: int, n: int) -> bool:
    """Whether text[start:end] has fewer than `n` white-space separated words (as word_spans
    counts them: str.split and the regex's \\S agree on what white space is)."""
    return len(text[start:end].split(maxsplit=n)) < n


def document_spans(doc: Document, cfg: Any) -> list[tuple[int, int]]:
    return [(0, len(doc.text))] if doc.text.strip() else []


def _windows(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    part = text[start:end]
    # one window, from the first word to the end of the last, when there cannot be more than `size`
    # words (each takes a character and a space) or there are not
    if (len(part) + 1) // 2 <= size or len(part.split(maxsplit=size)) <= size:
        stripped = part.strip()
        if not stripped:
            return []
        first = start + (len(part) - len(part.lstrip()))
        return [(first, first + len(stripped))]
    words = word_spans(text, start, end)
    if not words:
        return []
    out: list[tuple[int, int]] = []
    step = size - overlap
    i = 0
    while True:
        group = words[i:i + size]
        out.append((group[0][0], group[-1][1]))
        if i + size >= len(words):
            break
        i += step
    return out


def fixed_spans(doc: Document, cfg: FixedChunker) -> list[tuple[int, int]]:
    return _windows(doc.text, 0, len(doc.text), cfg.size, cfg.overlap)


def heading_spans(doc: Document, cfg: HeadingChunker) -> list[tuple[int, int]]:
    sections = list(doc.sections) or [Section((), 0, len(doc.text))]
    merged: list[tuple[int, int]] = []
    pending: int | None = None
    for s in sections:
        start = pending if pending is not None else s.start
        if s is not sections[-1] and _fewer_words(doc.text, start, s.end, MIN_SECTION_WORDS):
            pending = start
            continue
        pending = None
        merged.append((start, s.end))
    out: list[tuple[int, int]] = []
    for a, b in merged:
        out.extend(_windows(doc.text, a, b, cfg.size, cfg.overlap))
    return out


def sentence_spans_of(doc: Document, cfg: SentenceChunker) -> list[tuple[int, int]]:
    sents = [(a, b, len(word_spans(doc.text, a, b))) for a, b in sentence_spans(doc.text)]
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(sents):
        j, words = i, 0
        while j < len(sents) and (words + sents[j][2] <= cfg.size or j == i):
            words += sents[j][2]
            j += 1
        out.append((sents[i][0], sents[j - 1][1]))
        if j >= len(sents):
            break
        # start the next chunk with the trailing sentences covering at least `overlap` words
        back, covered = j, 0
        while back > i + 1 and covered < cfg.overlap:
            back -= 1
            covered += sents[back][2]
        i = back if covered >= cfg.overlap and cfg.overlap > 0 else j
    return out


_ = DocumentChunker  # the config model this module's "document" entry serves
