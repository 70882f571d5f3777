"""`shipcall monitor`: an always-valid comparison of a canary's baseline and candidate."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("monitor")
@click.option("--since", default=None, help="Only queries logged since: 30m, 2h, 7d, a date or an ISO time (UTC).")
@click.option("--dataset", default=None, help="Dataset whose items give logged queries their cohorts "
                                              "(default: the latest stored).")
@click.option("--by", "by", multiple=True, help="Cohort tag key (repeatable; default: production.cohorts and the "
                                                "contract's cohorts).")
@click.option("--tolerance", type=float, default=None, help="Difference in rates that matters (default: the "
                                                            "contract's tolerance).")
@click.option("--all", "show_all", is_flag=True, help="Also print cohorts without data in both arms.")
@click.option("--auto-rollback", is_flag=True, help="Roll the live canary back (on every server) when a row says "
                                                    "the candidate is worse; the decision records why.")
@json_option
@click.pass_context
def cli(ctx: click.Context, since: str | None, dataset: str | None, by: tuple[str, ...], tolerance: float | None,
        show_all: bool, auto_rollback: bool, as_json: bool) -> None:
    """For a canary (`shipcall serve --candidate NAME`), compare the baseline's and the
    candidate's rates of wrong answers (reviews), abstentions and thumbs-down (feedback), overall
    and per cohort, with always-valid p-values and confidence sequences: look as often as you
    like, and call it as soon as a row says so. Rows still open say roughly how many more
    queries the call needs at the current rates.

    Example: shipcall monitor --since 7d --json
    """
    from shipcall.adapters.store.production_log import parse_since
    from shipcall.app.production import monitor_canary
    from shipcall.render.production import print_monitor

    ws = workspace(ctx)
    rep = monitor_canary(ws, since=parse_since(since, field="--since"), dataset=dataset,
                         by=list(by) or None, tolerance=tolerance)
    if auto_rollback:
        from shipcall.app.canary import auto_rollback as roll_back

        rolled = roll_back(ws, rep)
        rep.meta["rolled_back"] = rolled.rolled_back if rolled else None
        if rolled:
            rep.notes.append(f"rolled back {rolled.rolled_back}: {rolled.note}")
    if as_json:
        emit_json(rep.to_dict())
        return
    print_monitor(rep, show_all=show_all)
