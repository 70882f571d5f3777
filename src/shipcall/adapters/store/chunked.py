"""`WHERE column IN (...)` over any number of values, a bounded number of values per statement.

SQLite builds before 3.32 refuse more than 999 bound parameters in one statement (newer ones
32,766), and Postgres caps a statement at 65,535; a run, a review queue or a corpus easily has
more ids than that. Every such query of the store goes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Delete, Row, Select, Table, delete, update

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


def update_in(conn: Connection, table: Table, column: Any, values: Sequence[Any], changes: dict[str, Any],
              *, size: int = CHUNK) -> None:
    """`UPDATE table SET changes WHERE column IN values`, chunk by chunk."""
    for part in chunks(values, size):
        conn.execute(update(table).where(column.in_(part)).values(**changes))


def insert_new(conn: Connection, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> int:
    """Insert the rows whose `keys` (a unique constraint of `table`) are not stored yet; return how
    many were inserted. `INSERT ... ON CONFLICT DO NOTHING` on SQLite and Postgres: two processes
    writing the same rows at once (two resumes of one run) cannot both insert one, and neither
    fails; a check-then-insert would race between its read and its write."""
    if not rows:
        return 0
    if conn.dialect.name not in ("postgresql", "sqlite"):  # no portable upsert: a read, then an insert
        from sqlalchemy import insert, select, tuple_

        cols = [table.c[k] for k in keys]
        have = set(conn.execute(select(*cols).where(tuple_(*cols).in_([tuple(r[k] for k in keys) for r in rows]))))
        new = [r for r in rows if tuple(r[k] for k in keys) not in have]
        if new:
            conn.execute(insert(table), new)
        return len(new)
    from sqlalchemy.dialects import postgresql, sqlite

    if conn.dialect.name == "sqlite":
        # one statement executed for every row (executemany: compiled once, no bound-parameter
        # limit); sqlite3 sums the rows each execution inserted into rowcount
        stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(keys))
        return max(conn.execute(stmt, rows).rowcount or 0, 0)
    dialect_insert: Any = postgresql.insert
    n = 0
    width = max(1, len(rows[0]))
    size = max(1, 900 // width)  # bound parameters per statement (see CHUNK)
    for i in range(0, len(rows), size):
        stmt = dialect_insert(table).values(rows[i:i + size]).on_conflict_do_nothing(index_elements=list(keys))
        n += len(conn.execute(stmt.returning(table.c[keys[0]])).all())  # psycopg reports no rowcount here
    return n
