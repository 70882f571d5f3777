"""`shipcall store info` and `shipcall store migrate [--dry-run]`: they look without changing,
and apply on purpose."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import make_url

from tests.store.conftest import V1, Cli, workspace_with

NAMES = ["m001_initial", "m002_response_cache", "m003_production_log", "m004_reviews", "m005_tasks", "m006_drafts"]


def ledger(root: Path) -> list[str]:
    with sqlite3.connect(root / ".shipcall" / "shipcall.db") as c:
        return [r[0] for r in c.execute("select name from shipcall_migrations order by id")]


def test_info_and_migrate_on_a_v1_store(tmp_path: Path, init_files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(workspace_with(V1, tmp_path / "ws", init_files), capsys)
    db = cli.root / ".shipcall" / "shipcall.db"

    info = cli.json("store", "info")
    assert set(info) == {"url", "kind", "migration", "size_bytes"}
    url = make_url(info["url"])  # a SQLAlchemy URL
    assert (url.get_backend_name(), Path(url.database or "")) == ("sqlite", db)
    assert (info["kind"], info["migration"]) == ("sqlite", "m001_initial")
    assert info["size_bytes"] >= V1.stat().st_size
    assert "migration   m001_initial" in cli("store", "info")

    dry = cli.json("store", "migrate", "--dry-run")
    assert dry == {"url": info["url"], "dry_run": True, "pending": NAMES[1:], "applied": [],
                   "migration": "m001_initial"}
    assert f"{len(NAMES) - 1} pending: m002_response_cache" in cli("store", "migrate", "--dry-run")
    assert ledger(cli.root) == NAMES[:1]  # looking changed nothing

    done = cli.json("store", "migrate")
    assert (done["pending"], done["applied"], done["migration"]) == (NAMES[1:], NAMES[1:], "m006_drafts")
    assert ledger(cli.root) == NAMES
    assert cli("store", "migrate") == "up to date: m006_drafts\n"
    assert cli.json("store", "info")["migration"] == "m006_drafts"


def test_info_does_not_create_a_missing_store(tmp_path: Path, init_files: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    for name in ("shipcall.yaml", "contract.yaml"):
        shutil.copyfile(init_files / name, root / name)
    cli = Cli(root, capsys)
    info = cli.json("store", "info")
    assert (info["migration"], info["size_bytes"]) == (None, 0)
    assert cli.json("store", "migrate", "--dry-run")["pending"] == NAMES
    assert not (root / ".shipcall" / "shipcall.db").exists()
    assert cli.json("store", "migrate")["applied"] == NAMES
    assert ledger(root) == NAMES


def test_info_hides_a_password() -> None:
    from shipcall.adapters.store.store import display_url

    assert display_url("postgresql+psycopg://ann:s3cret@db.internal/shipcall") == \
        "postgresql+psycopg://ann:***@db.internal/shipcall"
