"""m005: every dataset and every run names its task type (`rag`, `classify`, `summarize`), so
compare, gate and reports can tell which per-item metrics and failure modes apply. Rows made
before this migration are question-answering ones: `rag`.

From this version on the JSON the store keeps (item data, run config, decisions' evidence)
carries `schema_version` (see `blobs.py`). Older rows are read as version 1 without being
rewritten, so this migration changes no row.

Frozen: this is the DDL of this moment, stated here. Never edit it; add a migration.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Text

from shipcall.adapters.store.migrations._ddl import add_column


def up(conn: Connection) -> None:
    add_column(conn, "datasets", Column("task", Text, nullable=False, server_default="rag"))
    add_column(conn, "runs", Column("task", Text, nullable=False, server_default="rag"))
