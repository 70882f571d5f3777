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
    from shipcall.adapters.clock import now
    from shipcall.app.decisions import author as default_author
    from shipcall.core.gate import Decision, override
    from shipcall.errors import NotFoundError

    ws = workspace(ctx)
    rows = ws.store.decisions()
    if not rows:
        raise NotFoundError("no decision to override", hint="run `shipcall gate` first")
    base = rows[-1] if decision_id is None else next((r for r in rows if r["id"] == decision_id), None)
    if base is None:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    d = override(Decision.from_dict(base), verdict=verdict, author=author or default_author(), note=note,  # type: ignore[arg-type]
                 created_at=now())
    new_id = ws.store.add_decision(d.to_dict() | {"evidence": base["evidence"] | {"overrides": base["id"]}})
    if as_json:
        emit_json(d.to_dict() | {"id": new_id, "overrides": base["id"]})
        return
    click.echo(f"recorded #{new_id}: {verdict} (overrides #{base['id']}, which was {base['verdict']}) — {note}")
