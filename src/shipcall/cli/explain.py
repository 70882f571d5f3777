"""`shipcall explain [DECISION] --audience exec|expert|legal`: the call, told to the people who decide."""

from __future__ import annotations

import click

from shipcall.cli._common import workspace


@click.command("explain")
@click.argument("decision", required=False, type=int)
@click.option("--audience", type=click.Choice(["exec", "expert", "legal"]), default="exec", show_default=True,
              help="exec: business risk; expert: impact on their work; legal: privacy and accountability.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file (default: stdout).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.pass_context
def cli(ctx: click.Context, decision: int | None, audience: str, fmt: str, out: str | None, as_json: bool) -> None:
    """Explain DECISION (default: the latest) to one audience, from the stored evidence only:
    every number in the text is a fact with its source (run, comparison, decision, log), listed
    by --format json. Deterministic and offline.

    Example: shipcall explain --audience exec --format html --out exec.html
    """
    from pathlib import Path

    from shipcall.app.explain import explain
    from shipcall.errors import NotFoundError
    from shipcall.render.narrative import to_html, to_json, to_markdown

    n = explain(workspace(ctx), decision, audience)
    text = {"md": to_markdown, "html": to_html, "json": to_json}["json" if as_json else fmt](n)
    if out:
        target = Path(out)
        if not target.parent.is_dir():
            raise NotFoundError("the folder to write into does not exist", file=str(target.parent),
                                hint="create it first, or pick another --out")
        target.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {target}", err=True)
    else:
        click.echo(text)
