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
    from dataclasses import replace

    from shipcall.adapters.clock import now
    from shipcall.app.decisions import author as default_author
    from shipcall.core.gate import Decision, override
    from shipcall.errors import ConfigError, NotFoundError

    if accept == (verdict is not None):
        raise ConfigError("give exactly one of --accept and --override SHIP|WAIT", field="--accept",
                          hint='e.g. shipcall decide --accept --note "checked the finance items by hand"')
    ws = workspace(ctx)
    rows = ws.store.decisions()
    if not rows:
        raise NotFoundError("no decision to decide on", hint="run `shipcall gate` first")
    base = rows[-1] if decision_id is None else next((r for r in rows if r["id"] == decision_id), None)
    if base is None:
        raise NotFoundError(f"no decision #{decision_id}", hint="list them with `shipcall decisions`")
    who = author or default_author()
    if accept:
        if not note.strip():
            raise ConfigError("an accepted decision needs a note", field="--note")
        d = replace(Decision.from_dict(base), author=who, note=note, created_at=now(), override=False)
        link = {"accepts": base["id"]}
    else:
        d = override(Decision.from_dict(base), verdict=verdict, author=who, note=note,  # type: ignore[arg-type]
                     created_at=now())
        link = {"overrides": base["id"]}
    new_id = ws.store.add_decision(d.to_dict() | {"evidence": {k: v for k, v in base["evidence"].items()
                                                              if k != "void"} | link})
    if as_json:
        emit_json(d.to_dict() | {"id": new_id} | link)
        return
    how = f"accepts #{base['id']}" if accept else f"overrides #{base['id']}, which was {base['verdict']}"
    click.echo(f"recorded #{new_id}: {d.verdict} ({how}) — {note}")
