"""`shipcall init [DIR]`: write a commented shipcall.yaml and contract.yaml, create the store."""

from __future__ import annotations

from pathlib import Path

import click

from shipcall.cli._common import emit_json, json_option


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing shipcall.yaml and contract.yaml.")
@json_option
def cli(directory: str, force: bool, as_json: bool) -> None:
    """Create a workspace in DIRECTORY (default: here).

    Example: shipcall init my-docs && cd my-docs && shipcall ingest ~/handbook
    """
    from shipcall.app.init import init_workspace

    root = init_workspace(Path(directory), force=force)
    if as_json:
        emit_json({"workspace": str(root), "config": str(root / "shipcall.yaml"),
                   "contract": str(root / "contract.yaml")})
        return
    click.echo(f"created workspace {root}")
    click.echo("  shipcall.yaml   variants, corpus and store settings (commented)")
    click.echo("  contract.yaml   what 'good' means: metrics, thresholds, cohorts")
    click.echo("next: shipcall ingest PATH   (a folder of .md/.html/.txt/.pdf files)")
