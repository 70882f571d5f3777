"""`shipcall calibrate`: choose min_score on a dataset by cross-validation; write a new variant."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, warn, workspace


@click.command("calibrate")
@click.option("--dataset", "dataset_ref", default=None, help="NAME or NAME@VERSION (default: the latest version; "
              "the only dataset when there is one), with answerable and unanswerable items.")
@click.option("--variant", "-v", default=None, help="Variant to calibrate (default: the first in shipcall.yaml).")
@click.option("--max-false-answer", type=click.FloatRange(0.0, 1.0), default=0.2, show_default=True,
              help="Highest acceptable share of unanswerable questions that get an answer.")
@click.option("--folds", type=click.IntRange(2, 20), default=5, show_default=True, help="Cross-validation folds.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fold split.")
@click.option("--name", "new_name", default=None,
              help="Name of the new variant (default: VARIANT-calibrated, or -2, -3… when taken).")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset_ref: str | None, variant: str | None, max_false_answer: float, folds: int,
        seed: int, new_name: str | None, as_json: bool) -> None:
    """Choose the abstention threshold (min_score) of a variant on a dataset: the lowest one that
    keeps false answers (answers to questions the documents don't cover) under the limit, chosen
    by cross-validation over the dataset's answerable and unanswerable items. Prints the
    trade-off curve (false answers against refusals, with intervals) and writes the chosen value
    into a NEW variant in shipcall.yaml; the calibrated variant is never changed.

    Example: shipcall calibrate --dataset sample --variant baseline --max-false-answer 0.2
    """
    from shipcall.adapters.progress import progress_bar
    from shipcall.app.calibrate import run_calibration
    from shipcall.render.calibrate import calibrate_json, calibrate_text

    ws = workspace(ctx)
    if dataset_ref is None:
        from shipcall.app.defaults import default_dataset

        dataset_ref = default_dataset(ws)
    bars: list[Any] = []

    def progress(done: int, total: int) -> None:
        if not bars:
            bars.append(progress_bar(total, "calibrate", "item"))
        bars[0].update(done - bars[0].n)

    try:
        outcome = run_calibration(ws, dataset_ref, variant, max_false_answer, folds=folds, seed=seed,
                                  new_name=new_name, progress=progress)
    finally:
        for b in bars:
            b.close()
    if not outcome.calibration.met:
        warn(f"the {max_false_answer:.0%} limit on false answers is not met on held-out items "
             f"({outcome.calibration.cv_false_answers.rate:.0%})")
    if as_json:
        emit_json(calibrate_json(outcome))
    else:
        click.echo(calibrate_text(outcome))
