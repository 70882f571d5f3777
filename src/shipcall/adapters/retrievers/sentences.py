"""Each chunk's sentence analysis (core/analysis.py), worked out the first time a process asks for
it and kept with the index that holds the chunk, so that no later process redoes it.

Why lazily: the extractive generator ranks a retrieved chunk's sentences by their terms, word
pairs and numbers, and working those out (block structure, tokenizing, stemming) costs 0.6–0.9 ms
a chunk: done for every chunk at index build, it was seven eighths of an ingest's CPU time
(BENCHMARKS.md, ingest section). A run or an `ask` only ever reads the chunks it retrieves (SciFact's
809 questions touch about 2,300 of 5,820 chunks), so a chunk is analysed when first asked for, with
the stems the BM25 tokenizer gives, and the analysis is stored beside the index for every later
process and run.

Why SQLite (`analysis-vN.sqlite` in the index folder, N = core.analysis.ANALYSIS_VERSION: a new
analysis version starts a new file and never reads an older one's records; the index itself stays):
several processes write at once (`serve --workers 2`, concurrent `run`s, Ray workers), and SQLite
gives that without a lock file of our own: one row per chunk (its position in the index -> its
record, core.analysis.to_record as UTF-8, zlib-compressed: a third of the size, and decompressing
is far cheaper than reading three times the bytes), `INSERT OR IGNORE` (the analysis of a chunk is
the same whoever works it out, so the first row wins and nothing is lost or doubled), WAL (readers
never wait for a writer), a busy timeout, `synchronous=NORMAL` (a crash loses at most the last
batch, which is only redone). Rows are written in batches (every FLUSH_EVERY new analyses or
FLUSH_SECONDS, at the end of a run, on Ctrl-C of a run, at exit), not one transaction a chunk.
The folder's build token (shipcall.json `build`) guards against a process still holding an index
that a rebuild has since replaced: its rows would describe other chunks, so it keeps its
analyses in memory. A read-only index folder works too: the stored rows are read
(immutable), new analyses stay in memory.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from shipcall.core.analysis import ANALYSIS_VERSION, Unit, analyse, from_record, to_record
from shipcall.core.documents import Chunk

log = logging.getLogger(__name__)

FLUSH_EVERY = 256  # new analyses written in one transaction
FLUSH_SECONDS = 10.0  # a slow trickle (a server) is written at least this often (checked on a new analysis)
BUSY_MS = 10_000  # how long a writer waits for another process's transaction


def database_name(version: int = ANALYSIS_VERSION) -> str:
    return f"analysis-v{version}.sqlite"


class _Stems(dict[str, str]):
    """word -> stem, filled on a miss: looking a word up is then a C call (the analysis of a
    chunk stems every word it reads)."""

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


def encode(units: list[Unit], chunk_text: str) -> bytes:
    return zlib.compress(to_record(units, chunk_text).encode("utf-8"), 6)


def decode(blob: bytes, chunk_text: str) -> list[Unit]:
    return from_record(zlib.decompress(blob).decode("utf-8"), chunk_text)


_OPEN: weakref.WeakSet[StoredAnalysis] = weakref.WeakSet()


def flush_all() -> None:
    """Write every open index's new analyses (the end of a run, Ctrl-C). At exit, and when an
    index is dropped, its finalizer writes them (weakref.finalize)."""
    for a in list(_OPEN):
        a.flush()


class StoredAnalysis:
    """The sentence analysis of an index's chunks, one chunk at a time: read from the index's
    database (or the queue of rows not yet written), else worked out here and queued for it."""

    def __init__(self, path: Path, chunks: Sequence[Chunk], tokenizer: Any, build: str | None) -> None:
        """`tokenizer`: the index's bm25s tokenizer (its stemmer); `build`: the index's build token."""
        self._chunks = chunks
        self._tokenizer = tokenizer
        self._stem: Callable[[str], str] | None = None
        self._position: dict[str, int] | None = None
        self._db = _Database(path / database_name(), build)
        self.analysed = 0  # chunks this instance worked out (the others it read back or had in memory)
        _OPEN.add(self)
        # what is queued is written when the index is dropped or the process exits (the finalizer
        # holds the database object, not this one)
        self._finalizer = weakref.finalize(self, self._db.close)

    @property
    def path(self) -> Path:
        return self._db.path

    def units(self, chunk: Chunk) -> list[Unit] | None:
        """The units of `chunk`; None for a chunk this index does not hold as it is."""
        if self._position is None:
            self._position = {c.id: i for i, c in enumerate(self._chunks)}
        i = self._position.get(chunk.id)
        if i is None or self._chunks[i] is not chunk and self._chunks[i] != chunk:
            return None
        blob = self._db.record(i)  # the generator keeps what it asked for: no second cache here
        if blob is not None:
            got = decode(blob, chunk.text)
        else:
            if self._stem is None:
                self._stem = stem_function(self._tokenizer)
            got = analyse(chunk, self._stem)
            self.analysed += 1
            self._db.queue(i, encode(got, chunk.text))
        return got

    def flush(self) -> None:
        """Write the analyses worked out since the last flush (a no-op when there are none)."""
        self._db.flush()

    def close(self) -> None:
        self._finalizer()
        _OPEN.discard(self)


class _Database:
    """One index folder's analysis file: rows read one at a time, new rows queued and written in
    batches; its connection opened on the first use in each process (a forked child reopens)."""

    def __init__(self, path: Path, build: str | None) -> None:
        self.path = path
        self._build = build
        self._lock = threading.Lock()  # runs answer items on threads
        self._db: Any = None
        self._pid = -1
        self._writable = False
        self._pending: dict[int, bytes] = {}
        self._last_flush = time.monotonic()

    def record(self, i: int) -> bytes | None:
        """Chunk `i`'s record: queued here, stored, or None."""
        with self._lock:
            queued = self._pending.get(i)
            if queued is not None:
                return queued
            db = self._connect()
            if db is None:
                return None
            try:
                row = db.execute("SELECT record FROM analysis WHERE pos = ?", (i,)).fetchone()
            except _sqlite().Error as e:
                self._give_up(f"reading {self.path}: {e}")
                return None
            return row[0] if row is not None else None

    def queue(self, i: int, blob: bytes) -> None:
        with self._lock:
            if not self._writable:
                return
            self._pending[i] = blob
            if len(self._pending) >= FLUSH_EVERY or time.monotonic() - self._last_flush >= FLUSH_SECONDS:
                self._flush_locked()

    def _connect(self) -> Any:
        """The connection of this process, or None: none to use."""
        if self._pid == os.getpid():
            return self._db
        self._pid = os.getpid()  # a failure is not retried in this process
        self._db, self._writable = None, False
        sqlite3 = _sqlite()
        try:
            if os.access(self.path.parent, os.W_OK):
                if not self.path.exists():
                    _remove_other_versions(self.path)
                db = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None,
                                     check_same_thread=False)
                db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
                if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("CREATE TABLE IF NOT EXISTS analysis (pos INTEGER PRIMARY KEY, record BLOB NOT NULL)")
                writable = True
            elif self.path.is_file():  # a read-only folder: read what others stored, write nothing
                db = sqlite3.connect(f"{self.path.as_uri()}?immutable=1", uri=True, check_same_thread=False)
                db.execute("SELECT 1 FROM analysis LIMIT 1")
                writable = False
            else:
                log.debug("%s: read-only folder, sentence analyses kept in memory", self.path.parent)
                return None
        except sqlite3.Error as e:
            log.debug("%s: %s; sentence analyses kept in memory", self.path, e)
            return None
        # Checked once the file is open: a rebuild that replaced the folder before this point
        # shows here (its rows would describe other chunks); one after it leaves this connection
        # on the old folder's file, which goes with it.
        if self._folder_build() != self._build:
            log.debug("%s: another build of the index; sentence analyses kept in memory", self.path)
            db.close()
            return None
        self._db, self._writable = db, writable
        return db

    def _folder_build(self) -> str | None:
        try:
            return json.loads((self.path.parent / "shipcall.json").read_text(encoding="utf-8")).get("build")
        except (OSError, ValueError, AttributeError):
            return None

    def flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        if not self._pending:
            return
        db = self._connect()
        if db is None or not self._writable:
            self._pending.clear()  # nowhere to write them: they stay in memory only
            return
        rows = sorted(self._pending.items())
        sqlite3 = _sqlite()
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR IGNORE INTO analysis VALUES (?, ?)", rows)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                log.debug("%s: %s; the analyses are written at the next flush", self.path, e)
                return  # kept pending
            self._give_up(f"writing {self.path}: {e}")
        except sqlite3.Error as e:
            self._give_up(f"writing {self.path}: {e}")
        self._pending.clear()

    def _give_up(self, why: str) -> None:
        log.debug("%s; sentence analyses kept in memory", why)
        if self._db is not None:
            try:
                self._db.close()
            except _sqlite().Error:
                pass
        self._db, self._writable = None, False
        self._pending.clear()

    def close(self) -> None:
        """Write what is queued and close (in this process); the index's finalizer."""
        with self._lock:
            self._flush_locked()
            if self._db is not None and self._pid == os.getpid():
                self._db.close()
            self._db, self._writable = None, False


def _remove_other_versions(path: Path) -> None:
    """The files of other analysis versions in an index folder: never read again."""
    for other in path.parent.glob("analysis-v*.sqlite*"):
        if not other.name.startswith(path.name):
            with contextlib.suppress(OSError):
                other.unlink()


def _sqlite() -> Any:
    import sqlite3  # on the first ask, not at import (a cold `ask` that finds its rows pays a few ms once)

    return sqlite3
