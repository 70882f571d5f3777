"""`shipcall run`: run a variant over a dataset version, with progress, resumable."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("run")
@click.option("--dataset", "dataset_ref", required=True, help="NAME or NAME@VERSION (default: latest).")
@click.option("--variant", "-v", default=None, help="Variant name (default: the first in shipcall.yaml).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N items.")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset_ref: str, variant: str | None, limit: int | None, as_json: bool) -> None:
    """Run a variant over every item of a dataset and store per-item results. An interrupted
    run resumes where it stopped when the same command is run again.

    Example: shipcall run --dataset sample --variant baseline
    """
    from tqdm import tqdm

    from shipcall.cli.show import print_run, run_json
    from shipcall.ingest.datasets import parse_ref
    from shipcall.runner import run

    ws = workspace(ctx)
    ds = ws.store.load_dataset(*parse_ref(dataset_ref))
    bar = tqdm(total=len(ds.items[:limit] if limit else ds.items), unit="item", desc="run",
               disable=None, leave=False)

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    try:
        outcome = run(ws, ds, variant, limit=limit, progress=progress)
    finally:
        bar.close()
    r = outcome.run
    if as_json:
        emit_json(run_json(r) | {"resumed": outcome.resumed, "items_done_before": outcome.done_before})
        return
    if outcome.resumed:
        click.echo(f"resumed {r.id}: {outcome.done_before} items were already done", err=True)
    print_run(r, None)
