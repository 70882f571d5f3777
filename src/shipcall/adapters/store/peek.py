"""Reads of a SQLite store with the standard library's sqlite3, without SQLAlchemy.

Why: a cold `shipcall ask` needs two things from the store (the corpus version, to find its
index, and the documents' text, which the index slices its chunks from), and `compare` and
`gate` only read runs, outcomes, a dataset and the documents; importing SQLAlchemy and checking
the migrations cost those processes more than the reads themselves.
Reads only, nothing is created or migrated; anything unusual (not a plain SQLite file URL, no
such file, a store whose migrations are not exactly this code's, a locked or damaged database, a
row the lean read does not answer) answers NOT_READ, and the caller (or `Reader`, per read) asks
the Store as usual, which says what is wrong. Rows become objects through decode.py, as in the
Store, so both give the same objects.
"""

from __future__ import annotations

import json
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from shipcall.adapters.store import decode

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store
    from shipcall.core.datasets import Dataset
    from shipcall.core.documents import Document
    from shipcall.core.runs import ItemOutcome, ItemResult, Run

NOT_READ: Final = object()
# The migrations this code's schema is made of (ids 1..N; tests/store/test_peek.py holds it to
# migrations.MIGRATIONS): a store with others is read through the Store, which migrates it.
MIGRATIONS_APPLIED: Final = 6


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url.startswith(prefix + "file:"):
        return None
    path = Path(url[len(prefix):])
    return path if path.is_absolute() and path.is_file() else None


def _query(path: Path, sql: str, args: tuple[Any, ...] = ()) -> list[Any] | object:
    """The rows of one query (columns as attributes), or NOT_READ on any SQLite error."""
    try:
        con = sqlite3.connect(str(path), timeout=10)
        try:
            cur = con.execute(sql, args)
            row = namedtuple("Row", [d[0] for d in cur.description])  # type: ignore[misc]  # noqa: PYI024
            return [row(*r) for r in cur]
        finally:
            con.close()
    except sqlite3.Error:
        return NOT_READ


def meta_value(url: str, key: str) -> object:
    """The `meta` table's value for `key` (None when the key is not set), or NOT_READ."""
    path = _sqlite_path(url)
    if path is None:
        return NOT_READ
    rows = _query(path, "SELECT value FROM meta WHERE key = ?", (key,))
    if not isinstance(rows, list):
        return NOT_READ
    return rows[0].value if rows else None


def document_texts(url: str) -> dict[str, tuple[str, str]] | object:
    """Every document's (content hash, text) by id, as Store.document_texts reads them, or NOT_READ."""
    path = _sqlite_path(url)
    if path is None:
        return NOT_READ
    rows = _query(path, "SELECT id, hash, text FROM documents")
    if not isinstance(rows, list):
        return NOT_READ
    return {str(r.id): (str(r.hash), str(r.text)) for r in rows}


def reader(url: str, store: Callable[[], Store]) -> Reader | None:
    """A lean Reader of the store at `url`, or None when it is not a SQLite file holding exactly
    this code's migrations (the caller then opens the Store). `store` opens the Store for the
    reads the Reader leaves to it."""
    path = _sqlite_path(url)
    if path is None:
        return None
    rows = _query(path, "SELECT id FROM shipcall_migrations")
    if not isinstance(rows, list) or {r.id for r in rows} != set(range(1, MIGRATIONS_APPLIED + 1)):
        return None
    return Reader(path, store)


class Reader:
    """The Store's reads that `compare`, `gate` and dataset health make, answered with sqlite3:
    each method returns what the Store's method of the same name returns, and leaves to the
    Store whatever it does not answer (an error to report, the full item results)."""

    def __init__(self, path: Path, store: Callable[[], Store]) -> None:
        self.path = path
        self._store = store

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any] | None:
        rows = _query(self.path, sql, args)
        return rows if isinstance(rows, list) else None

    def get_run(self, ref: str) -> Run:
        rows = (self._rows("SELECT * FROM runs ORDER BY seq DESC LIMIT 1") if ref in decode.LAST_RUN else
                self._rows("SELECT * FROM runs WHERE id = ?", (decode.run_id(ref),)))
        return decode.run(rows[0]) if rows else self._store().get_run(ref)  # the Store names what is missing

    def runs(self, limit: int | None = None) -> list[Run]:
        rows = self._rows("SELECT * FROM runs ORDER BY seq DESC" + (" LIMIT ?" if limit else ""),
                          (limit,) if limit else ())
        return [decode.run(r) for r in rows] if rows is not None else self._store().runs(limit)

    def load_dataset(self, name: str, version: int | None = None) -> Dataset:
        found = (self._rows("SELECT version, task FROM datasets WHERE name = ? AND version = ?", (name, version))
                 if version else
                 self._rows("SELECT version, task FROM datasets WHERE name = ? ORDER BY version DESC LIMIT 1", (name,)))
        if found:
            v, task = found[0].version, found[0].task
            items = self._rows("SELECT item_id, data FROM dataset_items WHERE dataset = ? AND version = ? "
                               "ORDER BY position", (name, v))
            labels = self._rows("SELECT value FROM meta WHERE key = ?", (decode.labels_key(name, v),))
            if items is not None and labels is not None:
                return decode.dataset(name, v, task, labels[0].value if labels else None, items)
        return self._store().load_dataset(name, version)

    def dataset_versions(self, name: str | None = None) -> list[dict[str, Any]]:
        rows = (self._rows("SELECT * FROM datasets WHERE name = ? ORDER BY name, version", (name,)) if name else
                self._rows("SELECT * FROM datasets ORDER BY name, version"))
        if rows is None:
            return self._store().dataset_versions(name)
        return [r._asdict() | {"warnings": json.loads(r.warnings)} for r in rows]

    def item_outcomes(self, run_id: str) -> list[ItemOutcome]:
        """As outcomes.read_outcomes, with SQLite's json_extract."""
        rows = self._rows("SELECT item_id, metrics, error, json_extract(data, '$.failure_modes') AS modes, "
                          "json_extract(data, '$.schema_version') AS version FROM item_results WHERE run_id = ? "
                          "ORDER BY position", (run_id,))
        got = decode.outcomes(rows) if rows is not None else None
        return got if got is not None else self._store().item_outcomes(run_id)

    def item_results(self, run_id: str) -> list[ItemResult]:
        return self._store().item_results(run_id)

    def documents(self) -> Iterator[Document]:
        rows = self._rows("SELECT * FROM documents ORDER BY id")
        if rows is None:
            yield from self._store().documents()
            return
        for r in rows:
            yield decode.document(r)

    def document_first_seen(self) -> dict[tuple[str, str], str]:
        rows = self._rows("SELECT doc_id, hash, first_seen FROM document_versions")
        if rows is None:
            return self._store().document_first_seen()
        return {(r.doc_id, r.hash): r.first_seen for r in rows}
