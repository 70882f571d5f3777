"""Issue 21: the lean SQLite reader (adapters/store/peek.py) that `compare`, `gate` and dataset
health read with instead of SQLAlchemy answers exactly what the Store answers, reads only a
store holding exactly this code's migrations, and leaves errors to the Store, which names them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from shipcall.adapters.store import peek, schema
from shipcall.adapters.store.migrations import MIGRATIONS
from shipcall.adapters.store.store import Store
from shipcall.errors import NotFoundError, StoreError
from tests.store.conftest import V4, copy_store, sqlite_url, workspace_with


def test_the_reader_knows_exactly_the_migrations() -> None:
    assert [m.id for m in MIGRATIONS] == list(range(1, peek.MIGRATIONS_APPLIED + 1))


@pytest.fixture
def migrated(tmp_path: Path) -> tuple[Store, peek.Reader]:
    path = copy_store(V4, tmp_path / "s.db")
    store = Store.open(sqlite_url(path))
    reader = peek.reader(sqlite_url(path), lambda: store)
    assert reader is not None
    return store, reader


def test_every_read_equals_the_stores(migrated: tuple[Store, peek.Reader]) -> None:
    store, reader = migrated
    runs = store.runs()
    assert runs and reader.runs() == runs
    assert reader.runs(limit=1) == store.runs(limit=1)
    for ref in [r.id for r in runs] + ["last", runs[-1].id.removeprefix("r")]:
        assert reader.get_run(ref) == store.get_run(ref)
    for r in runs:
        assert reader.item_outcomes(r.id) == store.item_outcomes(r.id)
    versions = store.dataset_versions()
    assert versions and reader.dataset_versions() == versions
    for v in versions:
        assert reader.dataset_versions(v["name"]) == store.dataset_versions(v["name"])
        assert reader.load_dataset(v["name"], v["version"]) == store.load_dataset(v["name"], v["version"])
        assert reader.load_dataset(v["name"]) == store.load_dataset(v["name"])
    assert list(reader.documents()) == list(store.documents())
    assert reader.document_first_seen() == store.document_first_seen()
    assert reader.item_results(runs[0].id) == store.item_results(runs[0].id)


def test_what_is_missing_is_named_by_the_store(migrated: tuple[Store, peek.Reader]) -> None:
    _, reader = migrated
    with pytest.raises(NotFoundError, match="r999"):
        reader.get_run("r999")
    with pytest.raises(NotFoundError, match="nope"):
        reader.load_dataset("nope")


def test_a_row_it_cannot_read_goes_to_the_store(migrated: tuple[Store, peek.Reader]) -> None:
    store, reader = migrated
    run = store.runs()[0]
    item = store.item_outcomes(run.id)[0].item_id
    with store.engine.begin() as c:
        c.execute(update(schema.item_results).where(schema.item_results.c.run_id == run.id,
                                                    schema.item_results.c.item_id == item).values(data="{not json"))
    with pytest.raises((StoreError, ValueError)):
        reader.item_outcomes(run.id)


def test_only_a_sqlite_file_at_this_codes_migrations_is_read(tmp_path: Path) -> None:
    old = copy_store(V4, tmp_path / "old.db")  # m001–m004: the Store migrates it first
    assert peek.reader(sqlite_url(old), lambda: Store.open(sqlite_url(old))) is None
    assert peek.reader(sqlite_url(tmp_path / "missing.db"), lambda: Store.open("")) is None
    assert peek.reader("postgresql+psycopg://u@localhost/db", lambda: Store.open("")) is None
    assert peek.reader(sqlite_url(old) + "?mode=ro", lambda: Store.open("")) is None


def test_compare_reads_without_sqlalchemy(tmp_path: Path, init_files: Path) -> None:
    """What the lean reader is for: reading a run for a comparison from a migrated SQLite store
    imports neither SQLAlchemy nor SciPy's optimizers."""
    root = workspace_with(V4, tmp_path / "ws", init_files)
    store = Store.open(sqlite_url(root / ".shipcall" / "shipcall.db"))  # migrates the copy
    run = next(r.id for r in store.runs() if r.status == "finished")
    store.close()
    code = ("import sys\nfrom shipcall.app.workspace import Workspace\nfrom shipcall.app.decisions import load_run\n"
            f"ev = load_run(Workspace.open({str(root)!r}), {run!r})\n"
            "print(len(ev.outcomes), [m for m in ('sqlalchemy', 'scipy.optimize') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith(" []"), out.stdout
