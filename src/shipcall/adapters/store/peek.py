"""What a cold process reads from a SQLite store, with the standard library's sqlite3, without SQLAlchemy.

Why: a cold `shipcall ask` needs two things from the store (the corpus version, to find its
index, and the documents' text, which the index slices its chunks from), and importing
SQLAlchemy and checking the migrations cost that process more than loading the index and
answering. Reads only, nothing is created or migrated; anything unusual
(not a plain SQLite file URL, no such file or table, a locked or damaged database) answers
NOT_READ and the caller opens the Store as usual, which says what is wrong.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

NOT_READ: Final = object()


def _rows(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]] | object:
    """The rows `sql` selects, or NOT_READ."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url.startswith(prefix + "file:"):
        return NOT_READ
    path = Path(url[len(prefix):])
    if not path.is_absolute() or not path.is_file():
        return NOT_READ
    try:
        con = sqlite3.connect(str(path), timeout=10)
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return NOT_READ


def meta_value(url: str, key: str) -> object:
    """The `meta` table's value for `key` (None when the key is not set), or NOT_READ."""
    rows = _rows(url, "SELECT value FROM meta WHERE key = ?", (key,))
    if not isinstance(rows, list):
        return NOT_READ
    return rows[0][0] if rows else None


def document_texts(url: str) -> dict[str, tuple[str, str]] | object:
    """Every document's (content hash, text) by id, as Store.document_texts reads them, or NOT_READ."""
    rows = _rows(url, "SELECT id, hash, text FROM documents")
    if not isinstance(rows, list):
        return NOT_READ
    return {str(r[0]): (str(r[1]), str(r[2])) for r in rows}
