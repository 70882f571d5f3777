"""Frozen-DDL migrations: a new store is exactly what past versions made, every past store
migrates to exactly the schema of a new one, and `schema.py` equals what the migrations build."""

from __future__ import annotations

import ast
import sqlite3
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, UniqueConstraint, create_engine, inspect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Inspector

from shipcall.adapters.store import schema
from shipcall.adapters.store.migrations import MIGRATIONS, Migration, Migrations, applied, migrate, pending
from shipcall.adapters.store.store import Store
from tests.store.conftest import PAST_STORES, V1, V4, copy_store, counts, master, sqlite_url

MIGRATIONS_DIR = Path(schema.__file__).parent / "migrations"
NAMES = ["m001_initial", "m002_response_cache", "m003_production_log", "m004_reviews", "m005_tasks", "m006_drafts"]


def fresh(path: Path, target: int | None = None) -> Path:
    engine = create_engine(sqlite_url(path))
    migrate(engine, target=target)
    engine.dispose()
    return path


def test_the_migrations_in_order() -> None:
    assert [m.name for m in MIGRATIONS] == NAMES
    assert [m.id for m in MIGRATIONS] == list(range(1, len(NAMES) + 1))


def test_a_new_store_up_to_m001_is_exactly_what_c81588a_made(tmp_path: Path) -> None:
    assert master(fresh(tmp_path / "s.db", target=1)) == master(V1)


def test_a_new_store_up_to_m004_is_exactly_what_1851dd6_made(tmp_path: Path) -> None:
    """m001-m004 now state their own DDL; before, they created the live schema.py tables. The
    result is the same to the byte of every CREATE statement."""
    assert master(fresh(tmp_path / "s.db", target=4)) == master(V4)


@pytest.mark.parametrize("past", list(PAST_STORES))
def test_a_past_store_migrates_to_exactly_the_schema_of_a_new_one(tmp_path: Path, past: str) -> None:
    src = PAST_STORES[past]
    before_counts = counts(src)
    with sqlite3.connect(src) as c:
        old_ledger = c.execute("select id, name, applied_at from shipcall_migrations order by id").fetchall()
    path = copy_store(src, tmp_path / "store.db")

    store = Store.open(sqlite_url(path))
    store.close()

    assert master(path) == master(fresh(tmp_path / "new.db"))
    with sqlite3.connect(path) as c:
        ledger = c.execute("select id, name, applied_at from shipcall_migrations order by id").fetchall()
        tasks = c.execute("select task from datasets union all select task from runs").fetchall()
        columns = {t: [r[1] for r in c.execute(f"pragma table_info({t})")] for t in ("datasets", "runs")}
    assert [(i, n) for i, n, _ in ledger] == list(enumerate(NAMES, start=1))
    assert ledger[:len(old_ledger)] == old_ledger  # what was applied stays recorded as it was
    assert columns["datasets"] == ["name", "version", "hash", "n_items", "source", "warnings", "created_at", "task"]
    assert columns["runs"][-2:] == ["seq", "task"]
    assert tasks and set(tasks) == {("rag",)}  # rows made before m005 are question answering
    after = counts(path)
    new_tables = set(after) - set(before_counts)
    assert after == before_counts | {t: 0 for t in new_tables} | {"shipcall_migrations": len(NAMES)}
    assert new_tables == ({"response_cache", "judgements", "production_log", "production_feedback",
                           "review_queue", "reviews", "review_promotions"} if past == "v1" else set()) | {"drafts"}


def test_the_fixture_stores_hold_what_their_readme_says() -> None:
    assert counts(V1) == {"shipcall_migrations": 1, "meta": 3, "documents": 6, "document_versions": 6,
                          "corpora": 1, "datasets": 1, "dataset_items": 12, "runs": 1, "item_results": 12,
                          "decisions": 1}
    assert counts(V4) == {"shipcall_migrations": 4, "meta": 3, "documents": 6, "document_versions": 6,
                          "corpora": 1, "datasets": 2, "dataset_items": 26, "runs": 3, "item_results": 36,
                          "decisions": 2, "response_cache": 0, "judgements": 0, "production_log": 4,
                          "production_feedback": 4, "review_queue": 4, "reviews": 2, "review_promotions": 2}


def describe_table(table: Table) -> dict[str, object]:
    """A schema.py table's columns (name, type, nullable, server default), primary key, unique
    constraints and indexes, in the form `describe_reflected` gives for a store's table."""
    dialect = sqlite_dialect.dialect()
    return {
        "columns": [(c.name, c.type.compile(dialect=dialect), c.nullable,
                     None if c.server_default is None else repr(str(getattr(c.server_default, "arg", ""))))
                    for c in table.columns],
        "pk": [c.name for c in table.primary_key.columns],
        "unique": sorted((u.name, tuple(c.name for c in u.columns)) for u in table.constraints
                         if isinstance(u, UniqueConstraint)),
        "indexes": sorted((i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes),
    }


def describe_reflected(insp: Inspector, name: str) -> dict[str, object]:
    dialect = sqlite_dialect.dialect()
    return {
        "columns": [(c["name"], c["type"].compile(dialect=dialect), c["nullable"], c["default"])
                    for c in insp.get_columns(name)],
        "pk": insp.get_pk_constraint(name)["constrained_columns"],
        "unique": sorted((u["name"], tuple(u["column_names"])) for u in insp.get_unique_constraints(name)),
        "indexes": sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(name)),
    }


@pytest.mark.parametrize("origin", ["new", *PAST_STORES])
def test_schema_py_equals_what_the_migrations_build(tmp_path: Path, origin: str) -> None:
    path = fresh(tmp_path / "s.db") if origin == "new" else copy_store(PAST_STORES[origin], tmp_path / "s.db")
    engine = create_engine(sqlite_url(path))
    migrate(engine)
    insp = inspect(engine)
    assert sorted(insp.get_table_names()) == sorted(schema.metadata.tables)
    for name, table in schema.metadata.tables.items():
        assert describe_reflected(insp, name) == describe_table(table), name
    engine.dispose()


def test_migrations_state_their_own_ddl() -> None:
    """No migration reads the live tables: each defines what it creates."""
    for path in sorted(MIGRATIONS_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                names = {a.name for a in node.names}
                assert not (mod == "shipcall.adapters.store" and "schema" in names), path.name
                assert mod != "shipcall.adapters.store.schema", path.name
                assert not mod.startswith("shipcall.core"), path.name
    assert {p.stem for p in MIGRATIONS_DIR.glob("m[0-9][0-9][0-9]_*.py")} == set(NAMES)


def test_migrating_twice_applies_nothing(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path / "s.db"))
    assert [m.name for m in pending(engine)] == NAMES
    assert migrate(engine) == NAMES
    assert migrate(engine) == []
    assert pending(engine) == []
    assert applied(engine) == dict(enumerate(NAMES, start=1))


def _migration(id_: int, name: str, up: object) -> Migration:
    return Migration.of(SimpleNamespace(__name__=f"x.{name}", up=up))  # type: ignore[arg-type]


def test_duplicate_and_out_of_order_migrations_are_refused() -> None:
    def noop(conn: object) -> None:
        pass

    with pytest.raises(ValueError, match="duplicate migration 'm001_initial'"):
        Migrations([*MIGRATIONS, _migration(6, "m001_initial", noop)])
    with pytest.raises(ValueError, match="duplicate migration 'm005_again'"):
        Migrations([*MIGRATIONS, _migration(5, "m005_again", noop)])
    with pytest.raises(ValueError, match="append, never insert"):
        Migrations([*MIGRATIONS, _migration(99, "m099_later", noop), _migration(98, "m098_earlier", noop)])
    with pytest.raises(ValueError, match="mNNN_name"):
        _migration(6, "add_things", noop)
    assert len(Migrations([*MIGRATIONS, _migration(99, "m099_next", noop)])) == len(MIGRATIONS) + 1


def test_a_failing_migration_leaves_no_trace(tmp_path: Path) -> None:
    """Each migration and its ledger row commit together: DDL included (SQLite's DDL is
    transactional once shipcall issues BEGIN itself)."""
    def broken(conn: object) -> None:
        Table("half_done", MetaData(), Column("id", Integer)).create(conn)  # type: ignore[arg-type]
        raise RuntimeError("disk on fire")

    engine = create_engine(sqlite_url(tmp_path / "s.db"))
    steps = Migrations([*list(MIGRATIONS)[:1], _migration(2, "m002_broken", broken)])
    with pytest.raises(RuntimeError, match="disk on fire"):
        migrate(engine, migrations=steps)
    assert applied(engine) == {1: "m001_initial"}
    assert not inspect(engine).has_table("half_done")
    assert migrate(engine) == NAMES[1:]  # the real migrations carry on from there


def test_concurrent_first_opens_apply_each_migration_once(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "s.db")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_store() -> None:
        try:
            barrier.wait()
            Store.open(url).close()
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with sqlite3.connect(tmp_path / "s.db") as c:
        assert c.execute("select id, name from shipcall_migrations order by id").fetchall() == \
            list(enumerate(NAMES, start=1))
    assert master(tmp_path / "s.db") == master(fresh(tmp_path / "new.db"))
