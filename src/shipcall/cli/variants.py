"""`shipcall variants`: every variant's newest run on a dataset, side by side, Pareto frontier marked."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, progress_bar, workspace


@click.command("variants")
@click.option("--dataset", default=None, help="NAME or NAME@VERSION (default: the dataset of the newest run).")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset: str | None, as_json: bool) -> None:
    """The variants side by side on one dataset: the primary metric with its 95% interval, the
    guarded metrics, latency p50/p95, cost per 1,000 items (0 offline), index size; the
    Pareto-optimal ones marked (no other is at least as good on quality, latency p95 and cost and
    better on one) and, for the others, which variant dominates them; each compared with the
    baseline by the gate's test. `--json`: a list of rows.

    Example: shipcall variants --dataset sample --json
    """
    from shipcall.app.variants import variants
    from shipcall.render.variants import variants_text

    bar = progress_bar("comparing with the baseline", "variant")
    try:
        rep = variants(workspace(ctx), dataset, progress=bar)
    finally:
        bar.close()
    if as_json:
        emit_json(rep.to_list())
        return
    click.echo(variants_text(rep))
