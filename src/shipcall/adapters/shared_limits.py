"""Rate limits that several server processes enforce together (`shipcall serve --workers N`).

A client's requests land on whichever worker accepts its connection, so per-process buckets
would let it send N times its limit. The buckets live instead in one small SQLite file that the
workers share (made by the supervising `serve` process in a private temporary folder, deleted at
its exit): each `take` is one short write transaction, with the same token-bucket arithmetic as
the in-process `Limiter` (core/ratelimit.py). SQLite rather than a hand-written shared-memory
table: its file lock already serialises the read-modify-write of a bucket across processes.
`time.monotonic()` is one clock for every process of the machine, so buckets compare across them.
Only the open endpoints of unauthenticated callers (and failed sign-ins) pay for it, and only when
a limit is on.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from shipcall.core.ratelimit import Rate, take_token, wait_for

_SCHEMA = "CREATE TABLE IF NOT EXISTS buckets (name TEXT, key TEXT, tokens REAL, last REAL, PRIMARY KEY (name, key))"


def create(path: Path | str) -> None:
    """Make the buckets file, in WAL mode and with its table, before any worker opens it (the
    supervising `serve`). Switching a file to WAL takes a lock that SQLite does not wait for: when
    the workers' first requests each switched it, one of them could fail with "database is locked"
    (a 500) while the other held it."""
    _open(str(path)).close()


def _open(path: str) -> sqlite3.Connection:
    """A connection to the buckets file, in WAL mode, with its table (switched to WAL only when it
    is not yet: reading the mode waits for a lock, switching it does not)."""
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode=WAL")
    db.execute(_SCHEMA)
    return db


class SharedLimiter:
    """`Limiter`'s interface (`take`, `wait`) over the shared file; `name` keeps several limits
    (requests, failed sign-ins) apart in one file."""

    def __init__(self, path: Path | str, rate: Rate, name: str) -> None:
        self.path, self.rate, self.name = str(path), rate, name
        self._local = threading.local()
        self._swept = 0.0

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = _open(self.path)  # `create` made it WAL with its table already
            db.execute("PRAGMA synchronous=OFF")  # the buckets need not survive a crash of the machine
            self._local.db = db
        return db

    def _bucket(self, db: sqlite3.Connection, key: str) -> tuple[float, float] | None:
        row = db.execute("SELECT tokens, last FROM buckets WHERE name = ? AND key = ?", (self.name, key)).fetchone()
        return (float(row[0]), float(row[1])) if row else None

    def take(self, key: str, now: float) -> float:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")  # the read and the write of a bucket in one turn across processes
        try:
            bucket, wait = take_token(self.rate, self._bucket(db, key), now)
            db.execute("INSERT OR REPLACE INTO buckets (name, key, tokens, last) VALUES (?, ?, ?, ?)",
                       (self.name, key, bucket[0], bucket[1]))
            if now - self._swept >= self.rate.period:  # idle keys are full again anyway: forget them
                self._swept = now
                db.execute("DELETE FROM buckets WHERE name = ? AND last < ?", (self.name, now - self.rate.period))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return wait

    def wait(self, key: str, now: float) -> float:
        return wait_for(self.rate, self._bucket(self._db(), key), now)
