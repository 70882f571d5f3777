"""`shipcall ingest [PATH]`: read documents into the workspace and index them."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("ingest")
@click.argument("path", required=False, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["folder", "beir"]), default=None,
              help="folder: .md/.html/.txt/.pdf files (default); beir: a BEIR corpus.jsonl.")
@click.option("--verbose", is_flag=True, help="List every skipped file with its reason.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (no progress, no skip summary).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where dense embeddings are computed: this process, or a Ray cluster (Ray Data; the `ray` extra).")
@click.option("--address", default=None, help="With --executor ray: `auto` or ray://HOST:PORT (default: a local Ray).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="With --executor ray: how many workers.")
@json_option
@click.pass_context
def cli(ctx: click.Context, path: str | None, fmt: str | None, verbose: bool, quiet: bool, executor: str,
        address: str | None, workers: int | None, as_json: bool) -> None:
    """Ingest PATH (a folder of documents, or with --format beir a BEIR folder) as the
    workspace's corpus; with no PATH, re-read the recorded one. Only changed documents are
    re-chunked; deleted files leave the corpus.

    Example: shipcall ingest ~/company-handbook
    """
    from shipcall.app.ingest import ingest
    from shipcall.render.ingest import index_lines, skip_summary

    ws = workspace(ctx)
    embedder = None
    if executor == "ray":
        from shipcall.app.distributed import RayExecutor, require_ray

        require_ray()
        embedder = RayExecutor(address=address, workers=workers)
    report = ingest(ws, path, fmt, show_progress=False if quiet else None, embedder=embedder)
    if as_json:
        emit_json(report.to_dict())
        return
    if not quiet:
        for f, w in report.warnings[:20] if not verbose else report.warnings:
            click.echo(f"warning: {f}: {w}", err=True)
        if len(report.warnings) > 20 and not verbose:
            click.echo(f"warning: … and {len(report.warnings) - 20} more (--verbose lists them)", err=True)
        if verbose:
            for f, r in report.skipped:
                click.echo(f"skipped {f}: {r}")
        elif report.skipped:
            click.echo("skipped " + ", ".join(skip_summary(report.skipped)) + " — `--verbose` lists them")
        for line in index_lines(report.indexes):
            click.echo(line)
    click.echo(f"ingested {report.ingested}, skipped {len(report.skipped)} "
               f"({report.added} added, {report.changed} changed, {report.removed} removed, "
               f"{report.unchanged} unchanged); corpus version {report.corpus_version}")
