"""`shipcall canary status|set|promote|rollback`: the live canary split kept in the store."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace

NOTE = click.option("--note", default="", help="Why: recorded with the decision.")


def _show(state: object, as_json: bool) -> None:
    d = state.to_dict()  # type: ignore[attr-defined]
    if as_json:
        emit_json(d)
        return
    if d["candidate"]:
        click.echo(f"{d['baseline']} answers; canary {d['candidate']} takes {d['share']:.0%} of users (sticky)")
    else:
        click.echo(f"{d['baseline']} answers all traffic; no canary"
                   + (f" ({d['rolled_back']} was rolled back)" if d.get("rolled_back") else ""))
    if d["updated_at"]:
        click.echo(f"changed {d['updated_at'][:19]} by {d['author']}" + (f": {d['note']}" if d["note"] else ""))


@click.group("canary")
def cli() -> None:
    """The live canary: which variant answers and which share of users the candidate takes.

    The split is kept in the store; every `shipcall serve` on that store re-reads it every few
    seconds, so a change reaches every server without a restart. Each change is recorded as a
    decision with its author and note (`shipcall decisions`).

    Example: shipcall canary set --candidate small --share 0.2 --note "first look"
    """


@cli.command("status")
@json_option
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show the split every server follows now.

    Example: shipcall canary status --json
    """
    from shipcall.app.canary import current

    _show(current(workspace(ctx)), as_json)


@cli.command("set")
@click.option("--share", type=float, default=None, help="The candidate's share of users, 0-1.")
@click.option("--candidate", default=None, help="The candidate variant (default: the current one).")
@NOTE
@json_option
@click.pass_context
def set_(ctx: click.Context, share: float | None, candidate: str | None, note: str, as_json: bool) -> None:
    """Start a canary or change its share.

    Example: shipcall canary set --share 0.2
    """
    from shipcall.app.canary import set_canary

    _show(set_canary(workspace(ctx), share=share, candidate=candidate, note=note), as_json)


@cli.command("promote")
@NOTE
@json_option
@click.pass_context
def promote(ctx: click.Context, note: str, as_json: bool) -> None:
    """The candidate answers all traffic from now on.

    Example: shipcall canary promote --note "better on every guarded metric"
    """
    from shipcall.app.canary import promote as do

    _show(do(workspace(ctx), note=note), as_json)


@cli.command("rollback")
@NOTE
@json_option
@click.pass_context
def rollback(ctx: click.Context, note: str, as_json: bool) -> None:
    """The candidate stops answering; the baseline answers all traffic.

    Example: shipcall canary rollback --note "more thumbs-down on billing questions"
    """
    from shipcall.app.canary import rollback as do

    _show(do(workspace(ctx), note=note), as_json)
