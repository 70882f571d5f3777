"""m004: the review queue, people's reviews of logged queries, and their promotions into
datasets (released in 7c7588f).

Frozen: this is the DDL of that moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

Table(
    "review_queue", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("batch", String(40), nullable=False),
    Column("strategy", String(20), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("stratum", String(400), nullable=False),
    Column("cohorts", Text, nullable=False),
    Column("nearest_item", String(500)),
    Column("similarity", Float),
    Column("queued_at", String(40), nullable=False),
    UniqueConstraint("request_id", name="uq_review_queue_request"),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("request_id", String(64), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("failure_mode", String(40)),
    Column("gold_answer", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    UniqueConstraint("request_id", "reviewer", name="uq_reviews_request_reviewer"),
)
Index("ix_reviews_request", reviews.c.request_id)

Table(
    "review_promotions", metadata,
    Column("request_id", String(64), nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("promoted_at", String(40), nullable=False),
    PrimaryKeyConstraint("request_id", "dataset"),
)


def up(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)
