"""m002: the LLM response cache (a re-run or a resumed run never pays twice) and the judge's
verdicts (released in 7c7588f).

Frozen: this is the DDL of that moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()

Table(
    "response_cache", metadata,
    Column("key", String(64), primary_key=True),
    Column("provider", String(50), nullable=False),
    Column("model", String(200), nullable=False),
    Column("response", Text, nullable=False),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

Table(
    "judgements", metadata,
    Column("run_id", String(64), nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("metric", String(200), nullable=False),
    Column("repeat", Integer, nullable=False),
    Column("label", Text),
    Column("value", Float),
    Column("reasoning", Text, nullable=False),
    Column("judge_model", String(200), nullable=False),
    Column("prompt_hash", String(64), nullable=False),
    Column("error", Text),
    Column("tokens_in", Integer, nullable=False),
    Column("tokens_out", Integer, nullable=False),
    Column("cost", Float, nullable=False),
    Column("cached", Boolean, nullable=False),
    Column("created_at", String(40), nullable=False),
    PrimaryKeyConstraint("run_id", "item_id", "metric", "repeat"),
)


def up(conn: Connection) -> None:
    metadata.create_all(conn, checkfirst=True)
