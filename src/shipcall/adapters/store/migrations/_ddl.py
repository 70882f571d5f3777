"""DDL statements SQLAlchemy Core has no construct for, written once for every dialect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, Table, inspect
from sqlalchemy.schema import CreateColumn


def add_column(conn: Connection, table: str, column: Column[Any]) -> None:
    """`ALTER TABLE t ADD COLUMN c`, the one form SQLite and Postgres share, with the column's
    type, nullability and server default compiled for the connection's dialect (a NOT NULL
    column needs a server default: existing rows get it). A column that exists already is left
    alone. Hand-written: Core has no ADD COLUMN construct, and Alembic's `op.add_column` would
    bring a dependency for this one statement."""
    if column.name in {c["name"] for c in inspect(conn).get_columns(table)}:
        return
    Table(table, MetaData(), column)  # CreateColumn compiles a column of a table
    spec = CreateColumn(column).compile(dialect=conn.dialect)
    name = conn.dialect.identifier_preparer.quote(table)
    conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {spec}")
