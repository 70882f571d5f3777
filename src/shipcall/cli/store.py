"""`shipcall store`: the store itself (where it is, what kind, its migration level and size)."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("store")
def cli() -> None:
    """The workspace's store: SQLite under .shipcall/ or a shared Postgres database.

    Example: shipcall store info --json
    """


@cli.command("info")
@json_option
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Where the store is (a SQLAlchemy URL, password hidden), its kind, the highest migration
    applied and its size on disk in bytes.

    Example: shipcall store info --json
    """
    data = workspace(ctx).store.info()
    if as_json:
        emit_json(data)
        return
    size = data["size_bytes"]
    for key, value in (("url", data["url"]), ("kind", data["kind"]), ("migration", data["migration"]),
                       ("size", f"{size:,} bytes" if size is not None else "unknown")):
        click.echo(f"{key:<10} {value}")
