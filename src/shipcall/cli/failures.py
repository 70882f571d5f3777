"""`shipcall failures RUN`: the failure-mode Pareto table and examples."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("failures")
@click.argument("run_ref")
@click.option("--mode", default=None, help="Only this failure mode (e.g. retrieval_miss).")
@click.option("--by", "by", multiple=True, help="Break counts down by this tag key (repeatable).")
@click.option("--examples", type=int, default=3, show_default=True, help="Examples per mode.")
@json_option
@click.pass_context
def cli(ctx: click.Context, run_ref: str, mode: str | None, by: tuple[str, ...], examples: int,
        as_json: bool) -> None:
    """Why items failed in RUN: a Pareto table of primary failure modes (count, share, per
    cohort) and examples with question, answer, gold and retrieved documents.

    Example: shipcall failures r2 --by topic --mode retrieval_miss
    """
    from shipcall.app.failures import failures

    table = failures(workspace(ctx), run_ref, mode=mode, by=list(by), examples=examples)
    if as_json:
        emit_json(table.to_dict())
        return
    click.echo(f"run {table.run_id} ({table.variant}): {table.failed} of {table.n_items} items failed")
    click.echo(f"\n  {'mode':<20}{'count':>6}{'share':>8}{'cum':>7}  description")
    for row in table.modes:
        click.echo(f"  {row['mode']:<20}{row['count']:>6}{row['share']:>8.1%}{row['cumulative']:>7.0%}  "
                   f"{row['description']}")
        for key in by:
            click.echo(f"  {'':<20}{key}: " + ", ".join(f"{v}={c}" for v, c in row[f"by_{key}"].items()))
    for row in table.modes:
        if not row["examples"]:
            continue
        click.echo(f"\n{row['mode']} — examples")
        for e in row["examples"]:
            click.echo(f"  [{e['id']}] {e['question']}")
            answer = " / ".join(line for line in e["answer"].splitlines() if line.strip())
            click.echo(f"     answer: {'(abstained)' if e['abstained'] else answer[:160]}")
            if e["gold"]:
                click.echo(f"     gold: {'; '.join(g[:160] for g in e['gold'][:3])}")
            if e["evidence"] or e["retrieved"]:
                click.echo(f"     evidence: {', '.join(e['evidence']) or '-'}; retrieved: {', '.join(e['retrieved'])}")
