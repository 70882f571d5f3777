"""One value of a SQLite store read with the standard library's sqlite3, without SQLAlchemy.

Why: a cold `shipcall ask` needs one value from the store (the corpus version, to find its
index), and importing SQLAlchemy and checking the migrations cost that process more than
loading the index and answering. Reads only, nothing is created or migrated; anything unusual
(not a plain SQLite file URL, no such file or table, a locked or damaged database) answers
NOT_READ and the caller opens the Store as usual, which says what is wrong.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

NOT_READ: Final = object()


def meta_value(url: str, key: str) -> object:
    """The `meta` table's value for `key` (None when the key is not set), or NOT_READ."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url or url.startswith(prefix + "file:"):
        return NOT_READ
    path = Path(url[len(prefix):])
    if not path.is_absolute() or not path.is_file():
        return NOT_READ
    try:
        con = sqlite3.connect(str(path), timeout=10)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return NOT_READ
    return row[0] if row else None
