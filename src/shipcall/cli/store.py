"""`shipcall store …`: the workspace's store (info) and its schema migrations (migrate)."""

from __future__ import annotations

import sys

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


@cli.command("copy")
@click.argument("source_url")
@click.argument("target_url")
@json_option
def copy(source_url: str, target_url: str, as_json: bool) -> None:
    """Copy every row of one store into another, e.g. a laptop workspace into the team's
    Postgres store. Idempotent: rows the target holds already are skipped, so running it again
    (or after an interruption) adds only what is missing. Row counts are compared at the end;
    exit 1 when a table of the target holds fewer rows than the source.

    Example: shipcall store copy sqlite:///.shipcall/shipcall.db postgresql+psycopg://me@db/team
    """
    from tqdm import tqdm

    from shipcall.app.store import copy_store

    bars: dict[str, tqdm] = {}

    def progress(table: str, done: int, total: int) -> None:
        bar = bars.get(table)
        if bar is None:  # one bar at a time: the previous table is done
            for done_bar in bars.values():
                done_bar.close()
            bar = bars[table] = tqdm(total=total, desc=table, unit="row", file=sys.stderr, leave=False)
        bar.update(done - bar.n)

    r = copy_store(source_url, target_url, progress)
    for bar in bars.values():
        bar.close()
    if as_json:
        emit_json(r.to_dict())
    else:
        click.echo(f"{r.source} -> {r.target}")
        click.echo(f"{'table':<22}{'source':>10}{'copied':>10}{'target':>10}")
        for t in r.tables:
            click.echo(f"{t['table']:<22}{t['source']:>10}{t['copied']:>10}{t['target']:>10}")
        click.echo("row counts match: every source row is in the target" if r.complete else
                   "row counts differ: some source rows are missing from the target")
    if not r.complete:
        raise SystemExit(1)
