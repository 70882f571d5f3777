"""`shipcall demo [--dir DIR]`: the sample workspace, the whole loop, offline."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to build the sample workspace (default: a new temporary folder, kept).")
def cli(directory: str | None) -> None:
    """Build the bundled sample workspace (a fictional company's internal docs and an
    evaluation dataset), ingest it, answer example questions with citations, and run the
    evaluation loop. Fully offline.

    Example: shipcall demo --dir ./demo-ws
    """
    from shipcall.demo import run_demo

    target = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="shipcall-demo-"))
    run_demo(target, click.echo)
