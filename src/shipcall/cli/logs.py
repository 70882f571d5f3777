"""`shipcall logs`: read the production log that `shipcall serve` writes, newest first."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("logs", invoke_without_command=True)
@click.option("--since", default=None, help="Only entries since: 30m, 2h, 7d, 1w, a date or an ISO time (UTC).")
@click.option("--variant", "-v", default=None, help="Only entries answered by this variant.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--id", "request_id", default=None, help="Show one entry, with its feedback.")
@json_option
@click.pass_context
def cli(ctx: click.Context, since: str | None, variant: str | None, limit: int, request_id: str | None,
        as_json: bool) -> None:
    """Show logged queries (already redacted): time, variant, answer or abstention, feedback.
    `shipcall logs prune --before 30d` deletes old entries.

    Example: shipcall logs --since 1h --variant candidate --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from shipcall.adapters.store.production_log import ProductionLog, parse_since

    log = ProductionLog(workspace(ctx).store)
    if request_id:
        entry = log.get(log.resolve(request_id))
        if as_json:
            emit_json(entry.to_dict())
            return
        _show(entry.to_dict())
        return
    cutoff = parse_since(since, field="--since")
    entries = log.entries(limit=limit, since=cutoff, variant=variant)
    if as_json:
        emit_json({"items": [e.to_dict() for e in entries], "count": len(entries), "since": cutoff,
                   "variant": variant})
        return
    if not entries:
        click.echo("no logged queries" + (" in that window" if cutoff or variant else
                                          " yet: start `shipcall serve` and POST /v1/ask"))
        return
    total = log.count(since=cutoff, variant=variant)
    for e in entries:
        fb = "".join("+" if f.rating == "up" else "-" for f in e.feedback) or " "
        outcome = "ABSTAINED" if e.abstained else _short(e.answer, 50)
        click.echo(f"{e.request_id[:12]}  {e.created_at[:19].replace('T', ' ')}  {e.variant:<12} {fb:<3} "
                   f"{e.latency_ms.get('total', 0):7.1f} ms  {_short(e.question, 60):<60}  {outcome}")
    click.echo(f"\n{len(entries)} of {total} entries{' since ' + cutoff if cutoff else ''}; "
               f"`shipcall logs --id ID` shows one (any unique prefix of its id)", err=True)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _show(d: dict[str, object]) -> None:
    for key in ("request_id", "created_at", "variant", "arm", "question", "answer", "abstained", "support",
                "retrieved", "latency_ms", "redactions", "feedback"):
        click.echo(f"{key:<12} {d.get(key)}")


@cli.command("prune")
@click.option("--before", required=True,
              help="Delete entries created before this: 30d (older than 30 days), 12h, a date or an ISO time.")
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
@json_option
@click.pass_context
def prune_cmd(ctx: click.Context, before: str, dry_run: bool, as_json: bool) -> None:
    """Delete production log entries older than --before, with their feedback, review-queue places
    and reviews (datasets they were promoted into keep their items). For a standing policy, run
    `shipcall serve --retain 30d`.

    Example: shipcall logs prune --before 30d --dry-run
    """
    from shipcall.adapters.store.production_log import parse_since, prune

    cutoff = parse_since(before, field="--before")
    if cutoff is None:
        from shipcall.errors import ConfigError

        raise ConfigError("empty value", field="--before", hint="e.g. --before 30d")
    rep = prune(workspace(ctx).store, cutoff, dry_run=dry_run)
    if as_json:
        emit_json(rep)
        return
    d = rep["deleted"]
    verb = "would delete" if dry_run else "deleted"
    click.echo(f"{verb} {d['entries']} log entries created before {cutoff} "
               f"({d['feedback']} feedback, {d['queued']} queued for review, {d['reviews']} reviews)")
