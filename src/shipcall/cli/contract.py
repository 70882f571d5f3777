"""`shipcall contract check [FILE]`: validate the evaluation contract."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option
from shipcall.errors import ShipcallError


@click.group("contract")
def cli() -> None:
    """The evaluation contract: what "good" means, declared before building.

    Example: shipcall contract check contract.yaml
    """


@cli.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--dataset", "dataset_ref", default=None,
              help="Check cohorts and thresholds against this dataset (NAME or NAME@V; default: the newest) "
                   "and the latest baseline run on it.")
@json_option
@click.pass_context
def check(ctx: click.Context, path: str | None, dataset_ref: str | None, as_json: bool) -> None:
    """Validate FILE (default: the workspace's contract.yaml) and print it with defaults filled.
    In a workspace with data it also warns where the contract does not fit: cohorts no item of
    the dataset has (or too small to trust), must-pass items it lacks, thresholds the latest run
    of the baseline variant already misses (every gate would say WAIT whatever the change).

    Example: shipcall contract check --dataset support
    """
    from shipcall.app.contract import check_contract
    from shipcall.app.workspace import Workspace

    root = ctx.find_root().obj.get("workspace") if ctx.find_root().obj else None
    try:
        ws: Workspace | None = Workspace.open(root)
    except ShipcallError:
        if path is None or dataset_ref is not None:
            raise
        ws = None  # a contract file outside a workspace: validated only
    rep = check_contract(ws, path, dataset_ref)
    c = rep.contract
    if as_json:
        emit_json(rep.to_dict())
        return
    click.echo(f"{rep.file}: valid (hash {c.hash})")
    click.echo(f"  primary {c.primary}; alpha {c.alpha}; correction {c.correction}; tolerance {c.tolerance}; "
               f"min_cohort_size {c.min_cohort_size}; max_error_rate {c.max_error_rate}")
    for m, rule in c.metrics.items():
        bound = " ".join(f"{k} {v}" for k, v in rule.model_dump(exclude_none=True).items())
        click.echo(f"  {m}: {bound}" + ("  (guarded)" if m in c.guarded else ""))
    click.echo(f"  cohorts: {', '.join(c.cohorts) or '(none)'}; must_pass: {', '.join(c.must_pass) or '(none)'}")
    if rep.dataset:
        against = f"{rep.dataset} ({rep.n_items} items)"
        if rep.baseline_run:
            against += f" and run {rep.baseline_run} of {rep.baseline_variant}"
        count = len(rep.warnings)
        verdict = f"{count} warning{'s' if count != 1 else ''}" if count else "it fits"
        click.echo(f"checked against {against}: {verdict}")
    for w in rep.warnings:
        click.echo(f"warning: {w.field}: {w.detail}", err=True)
    for n in rep.notes:
        click.echo(f"note: {n}", err=True)
