"""Copy every row of one store into another (a laptop's SQLite workspace into the team's
Postgres store): table by table, in key order, in batches that each commit on their own.

Idempotent: a row whose key (primary key, else the table's unique constraint) the target holds
already is skipped, so copying again, or after an interruption, adds only what is missing.
Rows keep their keys (run ids, decision ids), so references between tables stay right; on
Postgres the id sequences are moved past the copied ids afterwards. The migration ledger is not
copied: the target is migrated to this shipcall's level when it is opened.

Hand-written rather than a dump/restore tool: the two ends are different databases, and the
live tables (`schema.py`) already say every table, its columns and its key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, UniqueConstraint, func, inspect, select, text

from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import insert_new
from shipcall.adapters.store.store import Store

BATCH = 1000
Progress = Callable[[str, int, int], None]  # table, rows done, rows in the table


@dataclass(frozen=True)
class TableCopy:
    table: str
    source: int   # rows in the source
    copied: int   # rows this copy added
    target: int   # rows in the target afterwards

    @property
    def complete(self) -> bool:
        """Every source row is in the target (which may hold more: a shared team store)."""
        return self.target >= self.source


def table_key(t: Table) -> list[str]:
    if t.primary_key.columns:
        return [c.name for c in t.primary_key.columns]
    for con in t.constraints:
        if isinstance(con, UniqueConstraint):
            return [c.name for c in con.columns]
    raise ValueError(f"table {t.name} has no key to copy by")


def copy_tables(source: Store, target: Store, progress: Progress | None = None) -> list[TableCopy]:
    out: list[TableCopy] = []
    have = set(inspect(source.engine).get_table_names())
    for t in schema.metadata.sorted_tables:
        if t.name == schema.migrations.name or t.name not in have:
            continue
        out.append(_copy_table(source, target, t, progress))
    if target.kind == "postgresql":
        _advance_sequences(target)
    return out


def _copy_table(source: Store, target: Store, t: Table, progress: Progress | None) -> TableCopy:
    key = table_key(t)
    with source.engine.connect() as c:
        n_source = int(c.execute(select(func.count()).select_from(t)).scalar() or 0)
    copied, done = 0, 0
    order = [t.c[k] for k in key]
    with source.engine.connect() as src:
        rows = src.execution_options(yield_per=BATCH).execute(select(t).order_by(*order))
        for part in rows.partitions(BATCH):
            batch = [dict(r._mapping) for r in part]
            with target.engine.begin() as dst:
                copied += insert_new(dst, t, batch, key)
            done += len(batch)
            if progress:
                progress(t.name, done, n_source)
    with target.engine.connect() as c:
        n_target = int(c.execute(select(func.count()).select_from(t)).scalar() or 0)
    return TableCopy(t.name, n_source, copied, n_target)


def _serial(t: Table) -> Column[Any] | None:
    """The integer id column the database numbers itself (SERIAL on Postgres), if any."""
    return t.autoincrement_column


def _advance_sequences(target: Store) -> None:
    """Postgres hands out ids from a sequence that copied rows did not use: move it past them, or
    the next insert would collide with a copied id."""
    with target.engine.begin() as c:
        for t in schema.metadata.sorted_tables:
            col = _serial(t)
            if col is None:
                continue
            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', '{col.name}'), "
                           f"COALESCE((SELECT MAX({col.name}) FROM {t.name}), 0) + 1, false)"))
