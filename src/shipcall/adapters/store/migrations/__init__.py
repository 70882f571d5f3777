"""Numbered, append-only migrations, each in its own transaction, recorded in `shipcall_migrations`.

Every module `mNNN_name.py` here states the DDL of its own moment with SQLAlchemy Core objects it
defines itself, and never imports the live tables of `schema.py`: what a released migration
creates must never change, so a store made by any past version and a new store end with the same
schema (tests/store/test_migrations.py holds all of this, against stores made by past versions).

Rules:
- never edit a released migration: add the next number, and append it to `MIGRATIONS`;
- numbers ascend and names are unique (a duplicate is refused when the list is built);
- `schema.py` (the live tables the queries use) equals the result of all migrations (tested);
- portable DDL only (SQLAlchemy types and constructs, `_ddl.add_column`): Postgres runs the same.

Hand-written as simonw/llm (`llm/migrations.py`) and sqlite-utils (`Migrations`) do, rather than
with Alembic: five migrations and one bookkeeping table do not need a second history format, a
new dependency, or its import on every command that opens the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from types import ModuleType

from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, inspect, select

from shipcall.adapters.clock import now
from shipcall.adapters.store.migrations import (
    m001_initial,
    m002_response_cache,
    m003_production_log,
    m004_reviews,
    m005_tasks,
    m006_drafts,
)

# The bookkeeping table, frozen as m001's era created it (schema.migrations is its live twin).
LEDGER = Table(
    "shipcall_migrations", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", String(40), nullable=False),
)


@dataclass(frozen=True)
class Migration:
    id: int
    name: str
    up: Callable[[Connection], None]

    @classmethod
    def of(cls, module: ModuleType) -> Migration:
        """The migration a module `mNNN_name` defines with `up(conn)`."""
        name = module.__name__.rsplit(".", 1)[-1]
        if not (len(name) > 5 and name[0] == "m" and name[1:4].isdigit() and name[4] == "_"):
            raise ValueError(f"a migration module is named mNNN_name, not {name!r}")
        return cls(int(name[1:4]), name, module.up)


class Migrations:
    """An append-only list: ids ascend, names and ids are unique."""

    def __init__(self, migrations: Iterable[Migration] = ()) -> None:
        self._items: list[Migration] = []
        for m in migrations:
            self.add(m)

    def add(self, m: Migration) -> None:
        for have in self._items:
            if have.name == m.name or have.id == m.id:
                raise ValueError(f"duplicate migration {m.name!r} (id {m.id}): {have.name!r} has it already")
        if self._items and m.id < self._items[-1].id:
            raise ValueError(f"migration {m.name!r} comes after {self._items[-1].name!r}: append, never insert")
        self._items.append(m)

    def __iter__(self) -> Iterator[Migration]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    @property
    def latest(self) -> Migration:
        return self._items[-1]


MIGRATIONS = Migrations(Migration.of(m) for m in (
    m001_initial,
    m002_response_cache,
    m003_production_log,
    m004_reviews,
    m005_tasks,
    m006_drafts,
))


def applied(engine: Engine) -> dict[int, str]:
    """The migrations a store records (id -> name), including any this code does not know."""
    with engine.connect() as conn:
        return _applied(conn)


def _applied(conn: Connection) -> dict[int, str]:
    if not inspect(conn).has_table(LEDGER.name):
        return {}
    return {r.id: r.name for r in conn.execute(select(LEDGER.c.id, LEDGER.c.name))}


def pending(engine: Engine, *, target: int | None = None,
            migrations: Migrations = MIGRATIONS) -> list[Migration]:
    done = applied(engine)
    return [m for m in migrations if m.id not in done and (target is None or m.id <= target)]


def migrate(engine: Engine, *, target: int | None = None, migrations: Migrations = MIGRATIONS) -> list[str]:
    """Apply every pending migration (up to `target`), oldest first; return the names applied.

    Nothing is written when nothing is pending, so a read-only store opens. Each migration and
    its ledger row commit together or not at all; the ledger is read again under the write lock,
    so two processes opening a new store at once apply each migration once."""
    if not pending(engine, target=target, migrations=migrations):
        return []
    names: list[str] = []
    with engine.connect() as plain:
        # We issue BEGIN ourselves: Python's sqlite3 would otherwise commit before each DDL statement.
        conn = plain.execution_options(isolation_level="AUTOCOMMIT")
        with _transaction(conn, lock=False):
            LEDGER.create(conn, checkfirst=True)
        for m in migrations:
            if target is not None and m.id > target:
                break
            with _transaction(conn):
                if conn.execute(select(LEDGER.c.id).where(LEDGER.c.id == m.id)).first() is not None:
                    continue  # another process applied it meanwhile
                m.up(conn)
                conn.execute(insert(LEDGER).values(id=m.id, name=m.name, applied_at=now()))
                names.append(m.name)
    return names


@contextmanager
def _transaction(conn: Connection, *, lock: bool = True) -> Iterator[None]:
    """One all-or-nothing transaction on a connection in autocommit mode, holding the write lock:
    SQLite's `BEGIN IMMEDIATE` (DDL is transactional in SQLite once we issue BEGIN), Postgres'
    lock on the ledger table (DDL is transactional there anyway)."""
    dialect = conn.dialect.name
    conn.exec_driver_sql("BEGIN IMMEDIATE" if dialect == "sqlite" else "BEGIN")
    try:
        if lock and dialect == "postgresql":
            conn.exec_driver_sql(f"LOCK TABLE {LEDGER.name} IN SHARE ROW EXCLUSIVE MODE")
        yield
    except BaseException:
        with suppress(Exception):  # SQLite may have rolled back already (disk full): report the first error
            conn.exec_driver_sql("ROLLBACK")
        raise
    conn.exec_driver_sql("COMMIT")
