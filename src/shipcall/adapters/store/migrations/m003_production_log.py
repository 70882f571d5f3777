"""m003: the production log of `shipcall serve` (one row per answered query, already redacted)
and the feedback on those answers (released in 7c7588f).

Frozen: this is the DDL of that moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

production_log = Table(
    "production_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("variant", String(200), nullable=False),
    Column("variant_hash", String(64), nullable=False),
    Column("arm", String(20), nullable=False),
    Column("user_hash", String(64)),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("abstained", Boolean, nullable=False),
    Column("support", Float, nullable=False),
    Column("retrieved", Text, nullable=False),
    Column("citations", Text, nullable=False),
    Column("latency_ms", Text, nullable=False),
    Column("redactions", Text, nullable=False),
    Column("corpus_version", String(64), nullable=False),
    UniqueConstraint("request_id", name="uq_production_log_request"),
)
Index("ix_production_log_created", production_log.c.created_at)
Index("ix_production_log_variant", production_log.c.variant)

production_feedback = Table(
    "production_feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("rating", String(10), nullable=False),
    Column("comment", Text, nullable=False),
    Column("redactions", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)
Index("ix_production_feedback_request", production_feedback.c.request_id)


def up(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)
