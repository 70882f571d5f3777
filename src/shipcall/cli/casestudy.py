"""`shipcall casestudy [DECISION ...]`: case studies of decisions, from their own evidence."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace, write_output


@click.command("casestudy")
@click.argument("decisions", nargs=-1, type=int)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here (default: stdout).")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@json_option
@click.pass_context
def cli(ctx: click.Context, decisions: tuple[int, ...], out: str | None, fmt: str, as_json: bool) -> None:
    """One case study per decision chain (a gate decision and the human calls on it; default: the
    latest): problem → AI-specific considerations → decisions made → outcome → what we would do
    differently, each from that decision's own evidence. Several DECISIONs make a portfolio.

    Example: shipcall casestudy 3 7 --format html --out portfolio.html
    """

    from shipcall.app.casestudy import case_evidence
    from shipcall.render.casestudy import case_study, to_html

    studies = [case_study(ev, contract_description=desc, later=later)
               for ev, desc, later in case_evidence(workspace(ctx), list(decisions) or None)]
    text = "\n---\n\n".join(studies)
    body = to_html(text) if fmt == "html" else text
    if out:
        write_output(out, body, field="--out")
    if as_json:
        emit_json({"markdown": text, "out": out})
    elif not out:
        click.echo(body, nl=False)
    else:
        click.echo(f"wrote {out}", err=True)
