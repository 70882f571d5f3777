"""Every chunk's sentence analysis (core/analysis.py), stored with the index that holds the chunk.

Why: the extractive generator ranks a retrieved chunk's sentences by their terms, word pairs and
numbers. Working those out (block structure, tokenizing, stemming) cost more than everything else
in a run, and was redone by every process that answered from the index. It is done once, when
the index is built, with the stems the BM25 tokenizer already computed.

Files: `sentences.bin`, each chunk's record (core.analysis.to_record, UTF-8, zlib-compressed: a
third of the size, and decompressing is far cheaper than reading three times the bytes) one
after the other in chunk order, and `sentences.offsets.npy`, the n_chunks + 1 byte offsets. A
reader decompresses only the chunks it is asked for (a cold `ask` five; a run the ones its
questions retrieve). The analysis version is recorded in the index's shipcall.json.
"""

from __future__ import annotations

import mmap
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shipcall.adapters.progress import progress_bar
from shipcall.core.analysis import ANALYSIS_VERSION, Unit, analyse, from_record, to_record
from shipcall.core.documents import Chunk

DATA = "sentences.bin"
OFFSETS = "sentences.offsets.npy"


class _Stems(dict[str, str]):
    """word -> stem, filled on a miss: looking a word up is then a C call (the analysis of a
    corpus stems every word it reads)."""

    def __init__(self, known: dict[str, str], stemmer: Callable[[str], str]) -> None:
        super().__init__(known)
        self._stemmer = stemmer

    def __missing__(self, word: str) -> str:
        s = self[word] = self._stemmer(word)
        return s


def stem_function(tokenizer: Any) -> Callable[[str], str]:
    """The BM25 tokenizer's stemmer, reading first the stems its vocabulary already holds."""
    stemmer = tokenizer.stemmer
    if stemmer is None:
        return str  # no stemmer: a word is its own stem
    return _Stems(dict(getattr(tokenizer, "word_to_stem", None) or {}), stemmer).__getitem__


def write(dest: Path, chunks: Sequence[Chunk], stem: Callable[[str], str], *,
          show_progress: bool | None = None) -> dict[str, Any]:
    """Analyse every chunk and write the two files into `dest` (an index being built)."""
    cpu0 = time.process_time()
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    bar = progress_bar(len(chunks), "analyse", "chunk", show=show_progress)
    at = 0
    try:
        with (dest / DATA).open("wb") as f:
            for i, chunk in enumerate(chunks):
                blob = zlib.compress(to_record(analyse(chunk, stem), chunk.text).encode("utf-8"), 6)
                f.write(blob)
                at += len(blob)
                offsets[i + 1] = at
                bar.update(1)
    finally:
        bar.close()
    np.save(dest / OFFSETS, offsets, allow_pickle=False)
    # its CPU time: the larger part of an index build (BENCHMARKS.md, ingest section)
    return {"version": ANALYSIS_VERSION, "bytes": at, "cpu_seconds": round(time.process_time() - cpu0, 3)}


def stored_version(meta: dict[str, Any]) -> int | None:
    """The analysis version an index's shipcall.json records (None: an index without one)."""
    got = meta.get("sentences")
    return got.get("version") if isinstance(got, dict) else None


class StoredAnalysis:
    """Read access to an index's stored analysis, one chunk at a time."""

    def __init__(self, path: Path, chunks: Sequence[Chunk]) -> None:
        self.offsets = np.load(path / OFFSETS, allow_pickle=False).tolist()
        if len(self.offsets) != len(chunks) + 1:
            raise ValueError(f"{path / OFFSETS}: {len(self.offsets) - 1} chunks, the index has {len(chunks)}")
        self._chunks = chunks
        self._position: dict[str, int] | None = None
        with (path / DATA).open("rb") as f:
            self._data: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self.offsets[-1] else b""

    def units(self, chunk: Chunk) -> list[Unit] | None:
        """The stored units of `chunk`; None for a chunk this index does not hold as it is."""
        if self._position is None:
            self._position = {c.id: i for i, c in enumerate(self._chunks)}
        i = self._position.get(chunk.id)
        if i is None or self._chunks[i] is not chunk and self._chunks[i] != chunk:
            return None
        a, b = self.offsets[i], self.offsets[i + 1]
        return from_record(zlib.decompress(self._data[a:b]).decode("utf-8"), chunk.text)
