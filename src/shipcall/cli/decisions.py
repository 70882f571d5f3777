"""`shipcall decisions`: the recorded ship/wait calls, oldest first."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("decisions")
@json_option
@click.pass_context
def cli(ctx: click.Context, as_json: bool) -> None:
    """List the decision history: verdict, runs, contract, author, note, time.

    Example: shipcall decisions --json
    """
    rows = workspace(ctx).store.decisions()
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no decisions yet: shipcall gate --baseline RUN --candidate RUN")
    for d in rows:
        blocks = sum(1 for r in d["reasons"] if r.get("severity") == "block")
        tag = " OVERRIDE" if d["override"] else ""
        click.echo(f"#{d['id']:<4}{d['created_at'][:19]}  {d['verdict']:<5}{tag}  {d['baseline_run']} → "
                   f"{d['candidate_run']}  {blocks} blocking  by {d['author']}"
                   + (f"  — {d['note']}" if d["note"] else ""))
