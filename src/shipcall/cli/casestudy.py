"""`shipcall casestudy`: write a case study from the decision history."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("casestudy")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write Markdown here (default: stdout).")
@json_option
@click.pass_context
def cli(ctx: click.Context, out: str | None, as_json: bool) -> None:
    """Problem → AI-specific considerations → decisions made → outcome → what we would do
    differently, filled from the recorded decisions and their evidence.

    Example: shipcall casestudy --out case.md
    """
    from shipcall.render.casestudy import case_study

    text = case_study(workspace(ctx).store.decisions())
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(text)
    if as_json:
        emit_json({"markdown": text, "out": out})
    elif not out:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {out}", err=True)
