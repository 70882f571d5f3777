"""m001: the first store (released in 878a033): documents and their versions, corpora, datasets
and their items, runs and their per-item results, decisions.

Frozen: this is the DDL of that moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
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
    "meta", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
)

Table(
    "documents", metadata,
    Column("id", String(1000), primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("sections", Text, nullable=False),
    Column("ingested_at", String(40), nullable=False),
)

Table(
    "document_versions", metadata,
    Column("doc_id", String(1000), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("first_seen", String(40), nullable=False),
    PrimaryKeyConstraint("doc_id", "hash"),
)

Table(
    "corpora", metadata,
    Column("version", String(64), primary_key=True),
    Column("n_documents", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
)

Table(
    "datasets", metadata,
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("n_items", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("warnings", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    PrimaryKeyConstraint("name", "version"),
)

Table(
    "dataset_items", metadata,
    Column("dataset", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("data", Text, nullable=False),
    PrimaryKeyConstraint("dataset", "version", "item_id"),
)

Table(
    "runs", metadata,
    Column("id", String(64), primary_key=True),
    Column("variant", String(200), nullable=False),
    Column("variant_hash", String(64), nullable=False),
    Column("config", Text, nullable=False),
    Column("dataset", String(200), nullable=False),
    Column("dataset_version", Integer, nullable=False),
    Column("corpus_version", String(64), nullable=False),
    Column("code_version", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("n_items", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("cohorts", Text, nullable=False),
    Column("seq", Integer, nullable=False),
)

item_results = Table(
    "item_results", metadata,
    Column("run_id", String(64), nullable=False),
    Column("item_id", String(500), nullable=False),
    Column("position", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("metrics", Text, nullable=False),
    Column("error", Text),
    UniqueConstraint("run_id", "item_id", name="uq_item_results_run_item"),
)
Index("ix_item_results_run", item_results.c.run_id)

Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("verdict", String(10), nullable=False),
    Column("baseline_run", String(64)),
    Column("candidate_run", String(64)),
    Column("contract_hash", String(64)),
    Column("author", String(200), nullable=False),
    Column("note", Text, nullable=False),
    Column("override", Boolean, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)


def up(conn: Connection) -> None:
    # checkfirst: before migrations ran in one transaction, a killed first open could leave
    # tables without their ledger row; creating only what is missing finishes that store.
    metadata.create_all(conn, checkfirst=True)
