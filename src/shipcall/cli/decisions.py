"""`shipcall decisions`: the recorded ship/wait calls, oldest first; `decisions void ID --note`
marks a test decision void."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("decisions", invoke_without_command=True)
@json_option
@click.pass_context
def cli(ctx: click.Context, as_json: bool) -> None:
    """List the decision history: verdict, runs, contract, author, note, time (void ones marked).

    Example: shipcall decisions --json
    """
    if ctx.invoked_subcommand is not None:
        return
    rows = workspace(ctx).store.decisions()
    if as_json:
        emit_json(rows)
        return
    if not rows:
        click.echo("no decisions yet: shipcall gate --baseline RUN --candidate RUN")
    for d in rows:
        blocks = sum(1 for r in d["reasons"] if r.get("severity") == "block")
        tag = " OVERRIDE" if d["override"] else ""
        void = f"  [VOID: {d['void']['note']}]" if d.get("void") else ""
        click.echo(f"#{d['id']:<4}{d['created_at'][:19]}  {d['verdict']:<5}{tag}  {d['baseline_run']} → "
                   f"{d['candidate_run']}  {blocks} blocking  by {d['author']}"
                   + (f"  — {d['note']}" if d["note"] else "") + void)


@cli.command("void")
@click.argument("decision_id", type=int)
@click.option("--note", required=True, help="Why it is void (e.g. a test of the set-up).")
@click.option("--author", default=None, help="Who voids it (default: $SHIPCALL_AUTHOR or $USER).")
@json_option
@click.pass_context
def void(ctx: click.Context, decision_id: int, note: str, author: str | None, as_json: bool) -> None:
    """Mark decision DECISION_ID void: it stays in the history, marked, and case studies and
    narratives leave it out.

    Example: shipcall decisions void 3 --note "A/A test of the gate, not a release"
    """
    from shipcall.app.decisions import void_decision

    d = void_decision(workspace(ctx), decision_id, note, who=author)
    if as_json:
        emit_json(d)
        return
    click.echo(f"#{decision_id} is void: {d['void']['note']} (kept in the history, left out of case studies)")
