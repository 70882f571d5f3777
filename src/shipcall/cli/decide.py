"""`shipcall decide`: record a person's call on a gate decision — agreeing with it (`--accept`) or
overriding it (`--override SHIP|WAIT`), always with a note."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("decide")
@click.option("--override", "verdict", type=click.Choice(["SHIP", "WAIT"]), default=None,
              help="The verdict a person decides against the gate's.")
@click.option("--accept", is_flag=True, help="Agree with the gate's verdict, adding a note.")
@click.option("--note", required=True, help="Why: recorded with the decision and in the case study.")
@click.option("--decision", "decision_id", type=int, default=None,
              help="The gate decision decided on (default: the latest).")
@click.option("--author", default=None, help="Who decides (default: $SHIPCALL_AUTHOR or $USER).")
@json_option
@click.pass_context
def cli(ctx: click.Context, verdict: str | None, accept: bool, note: str, decision_id: int | None,
        author: str | None, as_json: bool) -> None:
    """Record a person's call on a gate decision, with its reason; the evidence is kept.
    `--accept` agrees with the gate; `--override SHIP|WAIT` overrides it.

    Example: shipcall decide --override SHIP --note "finance regression accepted: fix in next sprint"
    """
    from shipcall.app.decisions import override_decision

    new_id, base, d = override_decision(workspace(ctx), verdict, note, decision_id=decision_id, who=author,
                                        accept=accept)
    link = {"accepts": base["id"]} if accept else {"overrides": base["id"]}
    if as_json:
        emit_json(d.to_dict() | {"id": new_id} | link)
        return
    how = f"accepts #{base['id']}" if accept else f"overrides #{base['id']}, which was {base['verdict']}"
    click.echo(f"recorded #{new_id}: {d.verdict} ({how}) — {note}")
