"""`shipcall store copy SOURCE TARGET`: a workspace's store (a past version's, with runs,
decisions, a production log and reviews) into a new store on SQLite and on Postgres: every row,
idempotent, ids usable afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipcall.adapters.store.store import Store
from tests.store.conftest import V4, Cli, copy_store, counts, sqlite_url


def test_copy_keeps_every_row_and_is_idempotent(tmp_path: Path, store_url: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    src = copy_store(V4, tmp_path / "laptop" / "store.db")
    Store.open(sqlite_url(src)).close()  # migrated to this version, as any command would
    want = {k: v for k, v in counts(src).items() if k != "shipcall_migrations"}
    cli = Cli(tmp_path, capsys)
    first = cli.json("store", "copy", sqlite_url(src), store_url)
    assert first["complete"] is True
    got = {t["table"]: t for t in first["tables"]}
    assert {k: t["source"] for k, t in got.items()} == {k: v for k, v in want.items() if k in got}
    assert all(t["copied"] == t["source"] == t["target"] for t in got.values())
    assert got["runs"]["source"] > 0 and got["production_log"]["source"] > 0 and got["decisions"]["source"] > 0
    again = cli.json("store", "copy", sqlite_url(src), store_url)
    assert again["complete"] is True and all(t["copied"] == 0 for t in again["tables"])
    target = Store.open(store_url)
    try:
        source = Store.open(sqlite_url(src))
        assert [r.id for r in target.runs()] == [r.id for r in source.runs()]
        run = source.runs()[0]
        assert target.item_results(run.id) == source.item_results(run.id)
        assert target.decisions() == source.decisions()
        source.close()
        # the copied ids do not collide with the next ones the target hands out
        new_id = target.add_decision({"verdict": "wait", "author": "t", "created_at": "2026-12-02T00:00:00"})
        assert new_id > max(d["id"] for d in target.decisions() if d["id"] != new_id)
    finally:
        target.close()


def test_copy_names_a_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path, capsys)
    cli("store", "copy", sqlite_url(tmp_path / "nope.db"), sqlite_url(tmp_path / "t.db"), code=2)
    assert not (tmp_path / "nope.db").exists()
