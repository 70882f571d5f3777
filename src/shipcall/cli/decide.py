"""`shipcall decide --override SHIP --note ...`: record a human call over the gate's."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("decide")
@click.option("--override", "verdict", type=click.Choice(["SHIP", "WAIT"]), required=True,
              help="The verdict a person decides.")
@click.option("--note", required=True, help="Why: recorded with the decision and in the case study.")
@click.option("--decision", "decision_id", type=int, default=None,
              help="The gate decision overridden (default: the latest).")
@click.option("--author", default=None, help="Who decides (default: $SHIPCALL_AUTHOR or $USER).")
@json_option
@click.pass_context
def cli(ctx: click.Context, verdict: str, note: str, decision_id: int | None, author: str | None,
        as_json: bool) -> None:
    """Record a human override of a gate decision, with its reason; the evidence is kept.

    Example: shipcall decide --override SHIP --note "finance regression accepted: fix in next sprint"
    """
    from shipcall.app.decisions import override_decision

    new_id, base, d = override_decision(workspace(ctx), verdict, note, decision_id=decision_id, who=author)
    if as_json:
        emit_json(d.to_dict() | {"id": new_id, "overrides": base["id"]})
        return
    click.echo(f"recorded #{new_id}: {verdict} (overrides #{base['id']}, which was {base['verdict']}) — {note}")
