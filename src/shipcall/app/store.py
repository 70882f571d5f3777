"""`shipcall store info` and `shipcall store migrate`: which store a workspace uses, which
migration it has reached, and the migrations it still lacks.

Every command applies pending migrations when it opens the store; these two look first (they
open the store without migrating), so a team can see and apply a schema change on purpose,
e.g. before a shared Postgres store is used by several versions of shipcall.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from shipcall.adapters.store.migrations import MIGRATIONS
from shipcall.adapters.store.store import Store, display_url, sqlite_file
from shipcall.app.workspace import Workspace


@dataclass(frozen=True)
class StoreInfo:
    url: str                 # SQLAlchemy URL, password hidden
    kind: str                # sqlite | postgresql | ...
    migration: str | None    # the latest migration the store records (None: a new, empty store)
    size_bytes: int | None   # None where the database cannot say (in-memory SQLite)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MigrationReport:
    url: str
    dry_run: bool
    pending: list[str] = field(default_factory=list)   # before this call
    applied: list[str] = field(default_factory=list)   # by this call (none on a dry run)
    migration: str | None = None                       # the latest recorded after this call

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def store_info(ws: Workspace) -> StoreInfo:
    url = ws.store_url()
    if store_missing(url):
        return StoreInfo(url=display_url(url), kind="sqlite", migration=None, size_bytes=0)
    store = Store.open(url, migrate=False)
    try:
        return StoreInfo(url=store.url, kind=store.kind, migration=_latest(store.migrations_applied()),
                         size_bytes=store.size_bytes())
    finally:
        store.close()


def migrate_store(ws: Workspace, *, dry_run: bool = False) -> MigrationReport:
    """Apply the pending migrations (only list them with `dry_run`)."""
    url = ws.store_url()
    if dry_run and store_missing(url):  # look without creating the file
        return MigrationReport(url=display_url(url), dry_run=True, pending=[m.name for m in MIGRATIONS])
    store = Store.open(url, migrate=False)
    try:
        pending = store.migrations_pending()
        applied = [] if dry_run else store.migrate()
        return MigrationReport(url=store.url, dry_run=dry_run, pending=pending, applied=applied,
                               migration=_latest(store.migrations_applied()))
    finally:
        store.close()


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    tables: list[dict[str, Any]]   # {table, source, copied, target}
    complete: bool                 # every source row is in the target

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def copy_store(source_url: str, target_url: str, progress: Any = None) -> CopyReport:
    """Copy every row of the store at `source_url` into the one at `target_url` (created and
    migrated if new); idempotent; row counts compared at the end."""
    from shipcall.adapters.store.copy import copy_tables
    from shipcall.errors import ConfigError

    source_url, target_url = _absolute(source_url), _absolute(target_url)
    if store_missing(source_url):
        raise ConfigError(f"no store at {display_url(source_url)}", field="SOURCE_URL",
                          hint="`shipcall store info --json` prints a workspace's store URL")
    if display_url(source_url) == display_url(target_url):
        raise ConfigError("the source and the target are the same store", field="TARGET_URL")
    source = Store.open(source_url)
    try:
        target = Store.open(target_url)
        try:
            copies = copy_tables(source, target, progress)
            return CopyReport(source=source.url, target=target.url,
                              tables=[{"table": c.table, "source": c.source, "copied": c.copied, "target": c.target}
                                      for c in copies],
                              complete=all(c.complete for c in copies))
        finally:
            target.close()
    finally:
        source.close()


def _absolute(url: str) -> str:
    """A relative SQLite path is taken from the current folder."""
    from pathlib import Path

    if url.startswith("sqlite:///") and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        return "sqlite:///" + str(Path(url[len("sqlite:///"):]).resolve())
    return url


def store_missing(url: str) -> bool:
    path = sqlite_file(url)
    return path is not None and not path.exists()


def _latest(applied: dict[int, str]) -> str | None:
    return applied[max(applied)] if applied else None
