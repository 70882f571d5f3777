"""The production log in the store: one row per answered query, feedback attached later.

`add` commits before it returns, so a server that answers only after `add` never acknowledges
a query it has not logged (SQLite in WAL mode survives a killed process with every committed
transaction). On SQLite, writers in one process take turns on a lock instead of contending on
the database's busy handler; other processes are covered by `busy_timeout`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import OperationalError

from shipcall.adapters.clock import now
from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import select_in
from shipcall.core.production import Feedback, ProductionLogEntry
from shipcall.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store

MAX_LIMIT = 10_000
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str | None, *, field: str = "since") -> str | None:
    """A cut-off time as stored (ISO 8601, UTC, milliseconds) from `30m`, `2h`, `7d`, `1w`, a
    date (`2026-11-25`) or a date and time (`2026-11-25T13:00`, UTC unless an offset is given)."""
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    hint = "use a duration (30m, 2h, 7d, 1w), a date (2026-11-25) or an ISO date and time"
    m = _RELATIVE.match(text)
    try:
        if m:
            cut = datetime.now(UTC) - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
        else:
            try:
                cut = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                raise ConfigError(f"not a time: {text!r}", field=field, hint=hint) from None
            if cut.tzinfo is None:
                cut = cut.replace(tzinfo=UTC)
        return cut.astimezone(UTC).isoformat(timespec="milliseconds")
    except (OverflowError, ValueError):  # 9999999999d, or a date whose UTC time leaves years 1-9999
        raise ConfigError(f"out of range: {text!r} reaches before year 1 or after year 9999", field=field,
                          hint=hint + " within the years 1-9999") from None


class ProductionLog:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine
        sqlite = self.engine.dialect.name == "sqlite"
        self.local = sqlite  # a file on this machine: a write is CPU work, not a wait on a server
        # built once: a statement constructed per call costs more CPU than the insert itself
        self._insert = insert(schema.production_log)
        self._write_lock: threading.Lock | None = threading.Lock() if sqlite else None

    def _writing(self) -> AbstractContextManager[Any]:
        return self._write_lock if self._write_lock is not None else nullcontext()

    def _write(self, fn: Any) -> Any:
        """Run a write transaction; retry briefly if another process holds SQLite's write lock
        past busy_timeout (never silently drop a row)."""
        for attempt in range(6):
            try:
                with self._writing(), self.engine.begin() as c:
                    return fn(c)
            except OperationalError as e:
                if "locked" not in str(e.orig).lower() or attempt == 5:
                    raise
                time.sleep(0.05 * 2**attempt)
        raise AssertionError("unreachable")

    def add(self, e: ProductionLogEntry) -> None:
        """Commit one entry (the caller answers only after this returns)."""
        self.add_many([e])

    def add_many(self, entries: list[ProductionLogEntry]) -> None:
        """Commit entries in one transaction (the server's group commit: store/group_commit.py)."""
        rows = [_row(e) for e in entries]
        self._write(lambda c: c.execute(self._insert, rows[0] if len(rows) == 1 else rows))

    def add_feedback(self, request_id: str, rating: str, comment: str = "",
                     redactions: dict[str, int] | None = None) -> Feedback:
        t = schema.production_log
        fb = Feedback(request_id, rating, comment, now(), dict(redactions or {}))  # type: ignore[arg-type]

        def write(c: Any) -> None:
            if c.execute(select(t.c.id).where(t.c.request_id == request_id)).first() is None:
                raise NotFoundError(f"no logged query with request_id {request_id!r}", field="request_id",
                                    hint="use the request_id that /v1/ask returned")
            c.execute(insert(schema.production_feedback).values(
                request_id=request_id, rating=rating, comment=comment,
                redactions=json.dumps(fb.redactions), created_at=fb.created_at))

        self._write(write)
        return fb

    def ids_starting_with(self, prefix: str, limit: int = 11) -> list[str]:
        """Request ids starting with `prefix` (at most `limit`), to resolve a typed short id."""
        t = schema.production_log
        q = (select(t.c.request_id).where(t.c.request_id.startswith(prefix, autoescape=True))
             .order_by(t.c.request_id).limit(limit))
        with self.engine.connect() as c:
            return [r[0] for r in c.execute(q)]

    def resolve(self, given: str) -> str:
        """The full request id of `given` or of the only id it is a prefix of (as git does)."""
        from shipcall.core.ids import resolve_prefix

        return resolve_prefix(given, self.ids_starting_with(given), "logged query", field="request_id",
                              hint="list them with `shipcall logs` or `shipcall review list`")

    def get(self, request_id: str) -> ProductionLogEntry:
        found = self.entries(ids=[request_id], limit=None)
        if not found:
            raise NotFoundError(f"no logged query with request_id {request_id!r}", field="request_id")
        return found[0]

    def entries(self, *, limit: int | None = 100, since: str | None = None, variant: str | None = None,
                ids: Iterable[str] | None = None, oldest_first: bool = False,
                with_feedback: bool = True) -> list[ProductionLogEntry]:
        """Logged queries with their feedback, newest first (`oldest_first`: in log order): the
        newest `limit` (at most MAX_LIMIT; None: all, for review, drift and monitoring), since
        `since` (a stored-format time, see `parse_since`), of one `variant`, or those `ids`.
        The one reader of the production log."""
        t = schema.production_log
        q = select(t).order_by(t.c.id if oldest_first else t.c.id.desc())
        if since:
            q = q.where(t.c.created_at >= since)
        if variant:
            q = q.where(t.c.variant == variant)
        cap = None if limit is None else max(1, min(int(limit), MAX_LIMIT))
        with self.engine.connect() as c:
            if ids is None:
                rows = c.execute(q if cap is None else q.limit(cap)).all()
            else:
                rows = sorted(select_in(c, q, t.c.request_id, ids), key=lambda r: r.id, reverse=not oldest_first)
                rows = rows if cap is None else rows[:cap]
            out = [_entry(r) for r in rows]
            if with_feedback:
                _attach_feedback(c, out)
        return out

    def count(self, *, since: str | None = None, variant: str | None = None) -> int:
        t = schema.production_log
        q = select(func.count()).select_from(t)
        if since:
            q = q.where(t.c.created_at >= since)
        if variant:
            q = q.where(t.c.variant == variant)
        with self.engine.connect() as c:
            return int(c.execute(q).scalar() or 0)

    def request_ids(self) -> set[str]:
        t = schema.production_log
        with self.engine.connect() as c:
            return {r[0] for r in c.execute(select(t.c.request_id))}


def _row(e: ProductionLogEntry) -> dict[str, Any]:
    return {
        "request_id": e.request_id, "created_at": e.created_at, "variant": e.variant,
        "variant_hash": e.variant_hash, "arm": e.arm, "user_hash": e.user_hash,
        "question": e.question, "answer": e.answer, "abstained": e.abstained, "support": e.support,
        "retrieved": json.dumps(e.retrieved), "citations": json.dumps(e.citations),
        "latency_ms": json.dumps(e.latency_ms), "redactions": json.dumps(e.redactions),
        "corpus_version": e.corpus_version,
    }


def _attach_feedback(c: Connection, entries: list[ProductionLogEntry]) -> None:
    by_id = {e.request_id: e for e in entries}
    f = schema.production_feedback
    for r in sorted(select_in(c, select(f), f.c.request_id, by_id), key=lambda r: r.id):
        by_id[r.request_id].feedback.append(
            Feedback(r.request_id, r.rating, r.comment, r.created_at, json.loads(r.redactions)))


def _entry(r: Any) -> ProductionLogEntry:
    return ProductionLogEntry(
        request_id=r.request_id, created_at=r.created_at, variant=r.variant, question=r.question,
        answer=r.answer, abstained=bool(r.abstained), support=float(r.support), arm=r.arm,
        variant_hash=r.variant_hash, user_hash=r.user_hash, retrieved=json.loads(r.retrieved),
        citations=json.loads(r.citations), latency_ms=json.loads(r.latency_ms),
        redactions=json.loads(r.redactions), corpus_version=r.corpus_version,
    )


# -- retention -----------------------------------------------------------------------------------
RETENTION_KEY = "log_retention"          # the `serve --retain` in force, e.g. "30d"
PRUNED_AT_KEY = "log_pruned_at"          # when entries were last deleted for their age
PRUNED_BEFORE_KEY = "log_pruned_before"  # the cut-off of that deletion


def prune(store: Store, before: str, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete the production log's entries created before `before` (stored-format time) with
    everything attached to them: feedback, their place in the review queue and their reviews
    (promotions into datasets stay: a dataset version is its own record). Returns the counts."""
    from sqlalchemy import delete

    t = schema.production_log
    old_ids = select(t.c.request_id).where(t.c.created_at < before)
    attached = [("feedback", schema.production_feedback), ("queued", schema.review_queue),
                ("reviews", schema.reviews)]
    counts: dict[str, Any] = {}
    with store.engine.begin() as c:
        counts["entries"] = int(c.execute(select(func.count()).select_from(t).where(t.c.created_at < before))
                                .scalar() or 0)
        for name, table in attached:
            q = select(func.count()).select_from(table).where(table.c.request_id.in_(old_ids))
            counts[name] = int(c.execute(q).scalar() or 0)
        if not dry_run and counts["entries"]:
            for _, table in attached:
                c.execute(delete(table).where(table.c.request_id.in_(old_ids)))
            c.execute(delete(t).where(t.c.created_at < before))
    if not dry_run:
        store.set_meta(PRUNED_AT_KEY, now())
        store.set_meta(PRUNED_BEFORE_KEY, before)
    return {"before": before, "dry_run": dry_run, "deleted": counts}


def retention(store: Store) -> dict[str, Any]:
    """What the legal narrative says about retention: the setting, the last deletion, the oldest
    entry still kept, and how many entries there are."""
    t = schema.production_log
    with store.engine.connect() as c:
        oldest, n = c.execute(select(func.min(t.c.created_at), func.count()).select_from(t)).one()
    return {"retain": store.get_meta(RETENTION_KEY), "last_pruned_at": store.get_meta(PRUNED_AT_KEY),
            "pruned_before": store.get_meta(PRUNED_BEFORE_KEY), "oldest_entry": oldest, "entries": int(n or 0)}
