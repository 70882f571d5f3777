"""m006: drafted items waiting for a person's review (`shipcall dataset draft`), accepted or
rejected in the review queue, then promoted into a dataset version.

Frozen: this is the DDL of this moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

drafts = Table(
    "drafts", metadata,
    Column("id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("batch", String(40), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("generator", String(200), nullable=False),
    Column("data", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("verdict", String(10)),
    Column("reviewer", String(200)),
    Column("reviewed_at", String(40)),
    Column("edits", Text, nullable=False, default="{}"),
    Column("note", Text, nullable=False, default=""),
    Column("promoted_version", Integer),
)
Index("ix_drafts_dataset", drafts.c.dataset)


def up(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)
