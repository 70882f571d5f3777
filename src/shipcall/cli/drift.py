"""`shipcall drift --dataset NAME`: how far the logged query mix has moved from a dataset."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("drift")
@click.option("--dataset", required=True, help="Dataset to compare with (NAME or NAME@VERSION).")
@click.option("--since", default=None, help="Only queries logged since: 30m, 2h, 7d, a date or an ISO time (UTC).")
@click.option("--by", "by", multiple=True, help="Tag key to compare (repeatable; default: production.cohorts "
                                                "and the contract's cohorts).")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset: str, since: str | None, by: tuple[str, ...], as_json: bool) -> None:
    """Compare the production log with DATASET: cohort shares (logged queries get cohorts from
    the keyword rules in shipcall.yaml or their nearest dataset item), the share of queries
    unlike any item, and plainly whether the dataset still represents production and which
    cohorts to add items to. Exit 0 either way.

    Example: shipcall drift --dataset sample --since 7d
    """
    from shipcall.adapters.store.production_log import parse_since
    from shipcall.app.production import drift
    from shipcall.render.production import print_drift

    rep = drift(workspace(ctx), dataset, since=parse_since(since, field="--since"), by=list(by) or None)
    if as_json:
        emit_json(rep.to_dict())
        return
    print_drift(rep)
