"""Numbered, append-only migrations, recorded in shipcall_migrations, each in its own transaction.

Never edit a released migration: add the next number.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from shipcall.adapters.store import schema


def m001_initial(conn: Connection) -> None:
    for table in (
        schema.meta, schema.documents, schema.document_versions, schema.corpora, schema.datasets,
        schema.dataset_items, schema.runs, schema.item_results, schema.decisions,
    ):
        table.create(conn, checkfirst=True)


def m002_response_cache(conn: Connection) -> None:
    """The LLM response cache (a re-run or resumed run never pays twice) and the judge's verdicts."""
    for table in (schema.response_cache, schema.judgements):
        table.create(conn, checkfirst=True)


def m003_production_log(conn: Connection) -> None:
    for table in (schema.production_log, schema.production_feedback):
        table.create(conn, checkfirst=True)


def m004_reviews(conn: Connection) -> None:
    """The review queue, people's reviews of logged queries, and their promotions into datasets."""
    for table in (schema.review_queue, schema.reviews, schema.review_promotions):
        table.create(conn, checkfirst=True)


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "m001_initial", m001_initial),
    (2, "m002_response_cache", m002_response_cache),
    (3, "m003_production_log", m003_production_log),
    (4, "m004_reviews", m004_reviews),
]


def pending(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        if not inspect(conn).has_table("shipcall_migrations"):
            return [(n, name) for n, name, _ in MIGRATIONS]
        done = {r[0] for r in conn.execute(select(schema.migrations.c.id))}
    return [(n, name) for n, name, _ in MIGRATIONS if n not in done]


def migrate(engine: Engine) -> list[str]:
    """Apply every pending migration; return the names applied."""
    with engine.begin() as conn:
        schema.migrations.create(conn, checkfirst=True)
    todo = {n for n, _ in pending(engine)}
    applied: list[str] = []
    for n, name, fn in MIGRATIONS:
        if n not in todo:
            continue
        with engine.begin() as conn:
            fn(conn)
            conn.execute(schema.migrations.insert().values(
                id=n, name=name, applied_at=datetime.now(UTC).isoformat(timespec="seconds")))
        applied.append(name)
    return applied
