"""`shipcall store …`: the workspace's store (info) and its schema migrations (migrate)."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("store")
def cli() -> None:
    """The workspace's store: where it is, which migration it has reached, what is pending.

    Every command applies pending migrations when it opens the store; these look first.

    Example: shipcall store info
    """


@cli.command("info")
@json_option
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Show the store's URL, kind (sqlite, postgresql), latest migration and size, without
    changing it.

    Example: shipcall store info --json
    """
    from shipcall.app.store import store_info

    i = store_info(workspace(ctx))
    if as_json:
        emit_json(i.to_dict())
        return
    click.echo(f"url         {i.url}")
    click.echo(f"kind        {i.kind}")
    click.echo(f"migration   {i.migration or '(none: a new store)'}")
    click.echo(f"size        {'-' if i.size_bytes is None else f'{i.size_bytes:,} bytes'}")


@cli.command("migrate")
@click.option("--dry-run", is_flag=True, help="List the pending migrations; change nothing.")
@json_option
@click.pass_context
def migrate(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Apply the store's pending schema migrations, oldest first, each in its own transaction.

    Example: shipcall store migrate --dry-run
    """
    from shipcall.app.store import migrate_store

    r = migrate_store(workspace(ctx), dry_run=dry_run)
    if as_json:
        emit_json(r.to_dict())
        return
    if not r.pending:
        click.echo(f"up to date: {r.migration}")
    elif dry_run:
        click.echo(f"{len(r.pending)} pending: {', '.join(r.pending)} (run `shipcall store migrate` to apply)")
    else:
        click.echo(f"applied {', '.join(r.applied) or 'nothing'}; now at {r.migration}")
