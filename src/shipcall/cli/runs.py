"""`shipcall runs`: list runs, newest first."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("runs")
@click.option("--limit", type=int, default=50, show_default=True)
@json_option
@click.pass_context
def cli(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List runs, newest first.

    Example: shipcall runs --limit 10
    """
    rows = workspace(ctx).store.runs(limit)
    if as_json:
        emit_json([{"run_id": r.id, "variant": r.variant, "dataset": r.dataset,
                    "dataset_version": r.dataset_version, "corpus_version": r.corpus_version,
                    "status": r.status, "n_items": r.n_items, "errors": r.errors,
                    "started_at": r.started_at, "metrics": r.metrics} for r in rows])
        return
    if not rows:
        click.echo("no runs yet: shipcall run --dataset NAME")
    for r in rows:
        key = next((m for m in ("contains_answer", "ndcg@10", "recall@5") if m in r.metrics), None)
        figure = f"{key} {r.metrics[key]:.3f}" if key else ""
        click.echo(f"{r.id:<6}{r.variant:<16}{r.dataset}@{r.dataset_version:<4} {r.status:<9} "
                   f"{r.n_items:>6} items {r.errors:>3} errors  {figure}  {r.started_at[:19]}")
