"""`shipcall compare BASELINE CANDIDATE`: paired comparison overall and per cohort."""

from __future__ import annotations

import click

from shipcall.cli._common import blas_on_one_thread, emit_json, json_option, workspace
from shipcall.render.text import print_report


@click.command("compare")
@click.argument("baseline", required=False)
@click.argument("candidate", required=False)
@click.option("--by", "by", multiple=True, help="Tag key to compare per cohort (repeatable; default: the contract's).")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False), default=None,
              help="Contract file (default: the workspace's contract.yaml, else documented defaults).")
@click.option("--all", "show_all", is_flag=True, help="Print every cohort row, not only the notable ones.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--weights", type=click.Choice(["eval", "production"]), default="eval", show_default=True,
              help="production: also re-weight cohort results to the cohort mix of the production log.")
@json_option
@click.pass_context
def cli(ctx: click.Context, baseline: str | None, candidate: str | None, by: tuple[str, ...], contract_path: str | None,
        show_all: bool, seed: int, weights: str, as_json: bool) -> None:
    """Compare CANDIDATE with BASELINE on the items both runs share: per metric and cohort, the
    delta, a 95% paired bootstrap interval, a p-value corrected for every test, and a verdict
    (improved, regressed, no_change, underpowered with the items needed).

    Left out, CANDIDATE is the newest finished run and BASELINE the newest finished run of another
    variant on the candidate's dataset version (said on stderr); one run given is the candidate.

    Example: shipcall compare r1 r2 --by topic
    """
    blas_on_one_thread()
    from shipcall.app.decisions import compare_runs
    from shipcall.app.defaults import default_pair

    ws = workspace(ctx)
    pair = default_pair(ws, None, baseline) if candidate is None else default_pair(ws, baseline, candidate)
    if pair.chosen:
        click.echo(f"comparing {pair.chosen} (name BASELINE CANDIDATE to choose others)", err=True)
    from shipcall.adapters.heap import long_lived_frozen

    contract = ws.contract(contract_path)
    with long_lived_frozen():  # what is loaded so far lives as long as the command
        rep = compare_runs(ws, pair.baseline, pair.candidate, contract, list(by) or None, seed=seed, weights=weights)
    if as_json:
        emit_json(rep.to_dict())
        return
    print_report(rep, cohorts_all=show_all)
    if rep.production is not None:
        from shipcall.app.decisions import decision_metrics
        from shipcall.render.production import print_weights

        print_weights(rep.production, None if show_all else decision_metrics(ws.contract(contract_path)))
