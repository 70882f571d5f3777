"""`WHERE column IN (...)` over any number of values, a bounded number of values per statement.

SQLite builds before 3.32 refuse more than 999 bound parameters in one statement (newer ones
32,766), and Postgres caps a statement at 65,535; a run, a review queue or a corpus easily has
more ids than that. Every such query of the store goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Delete, Row, Select, Table, delete

CHUNK = 500
T = TypeVar("T")


def chunks(values: Iterable[T], size: int = CHUNK) -> Iterator[list[T]]:
    """The distinct values, in first-seen order, `size` at a time."""
    unique = list(dict.fromkeys(values))
    for i in range(0, len(unique), size):
        yield unique[i:i + size]


def select_in(conn: Connection, query: Select[Any], column: Any, values: Iterable[Any],
              *, size: int = CHUNK) -> list[Row[Any]]:
    """The rows of `query` whose `column` is one of `values` (chunk by chunk: a LIMIT or ORDER BY
    of `query` applies within a chunk; order the result yourself)."""
    out: list[Row[Any]] = []
    for part in chunks(values, size):
        out += conn.execute(query.where(column.in_(part))).all()
    return out


def delete_in(conn: Connection, table: Table, column: Any, values: Sequence[Any], *, size: int = CHUNK) -> None:
    for part in chunks(values, size):
        stmt: Delete = delete(table).where(column.in_(part))
        conn.execute(stmt)
