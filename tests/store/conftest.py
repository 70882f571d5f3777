"""Stores made by past released versions (tests/fixtures/stores/), copied into fresh workspaces,
and a way to run the command line in-process against them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.conftest import FIXTURES

STORES = FIXTURES / "stores"
V1 = STORES / "v1-c81588a.db"   # m001 only
V4 = STORES / "v4-1851dd6.db"   # m001-m004, with runs, decisions, production log, reviews, sample@2
PAST_STORES = {"v1": V1, "v4": V4}


def copy_store(src: Path, dst: Path) -> Path:
    """A copy of a fixture store (the fixture itself is never opened: opening migrates)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def master(path: Path) -> list[tuple[str, str, str, str | None]]:
    """Every table and index as SQLite records it (type, name, table, DDL text), by name."""
    with sqlite3.connect(path) as c:
        return sorted(c.execute("select type, name, tbl_name, sql from sqlite_master"))


def counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as c:
        names = [r[0] for r in c.execute("select name from sqlite_master where type = 'table'")]
        return {n: c.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}


@pytest.fixture(scope="session")
def init_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipcall.yaml and contract.yaml that `shipcall init` writes (made once, in its own folder,
    so its store's connections never touch a test's store)."""
    from shipcall.app.init import init_workspace

    return init_workspace(tmp_path_factory.mktemp("init") / "ws")


def workspace_with(store: Path, root: Path, init_files: Path) -> Path:
    """A workspace folder (files from `shipcall init`) whose store is a copy of `store`."""
    root.mkdir(parents=True)
    for name in ("shipcall.yaml", "contract.yaml"):
        shutil.copyfile(init_files / name, root / name)
    copy_store(store, root / ".shipcall" / "shipcall.db")
    return root


class Cli:
    """`shipcall --workspace ROOT …` in-process, through `main` (so exit codes map as for users)."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.capsys = root, capsys

    def __call__(self, *args: str, code: int | tuple[int, ...] = 0) -> str:
        from shipcall.cli.main import main

        self.capsys.readouterr()
        with pytest.raises(SystemExit) as e:
            main(["--workspace", str(self.root), *args])
        out, err = self.capsys.readouterr()
        codes = code if isinstance(code, tuple) else (code,)
        assert e.value.code in codes, f"shipcall {' '.join(args)}: exit {e.value.code}\n{out}\n{err}"
        return out

    def json(self, *args: str, code: int | tuple[int, ...] = 0) -> Any:
        return json.loads(self(*args, "--json", code=code))


SQLITE_OLD_LIMIT = 999  # bound parameters per statement in SQLite builds before 3.32


def limit_parameters(engine: Engine, n: int = SQLITE_OLD_LIMIT) -> None:
    """Make every new connection refuse statements with more than `n` bound parameters, as old
    SQLite builds do, so a query that is not chunked fails here rather than in the field."""

    @event.listens_for(engine, "connect")
    def _limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, n)

    engine.dispose()  # connections made from now on carry the limit


@pytest.fixture
def store(store_url: str):  # noqa: ANN201 - yields a Store
    """A new store, on SQLite (whose connections allow at most 999 bound parameters per
    statement, as old builds do) and on Postgres."""
    from shipcall.adapters.store.store import Store

    s = Store.open(store_url)
    if s.kind == "sqlite":
        limit_parameters(s.engine)
    yield s
    s.close()
