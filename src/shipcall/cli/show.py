"""`shipcall show RUN` and `shipcall runs`: a run's metrics overall and per cohort."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace
from shipcall.render.run import judge_text, run_json, run_text


@click.command("show")
@click.argument("run_ref")
@click.option("--by", "by", multiple=True, help="Tag key to break metrics down by (repeatable).")
@click.option("--confusion", is_flag=True, help="classify runs: the confusion matrix, label pairs most often "
                                                "confused first.")
@json_option
@click.pass_context
def cli(ctx: click.Context, run_ref: str, by: tuple[str, ...], confusion: bool, as_json: bool) -> None:
    """Show RUN's metrics overall and per cohort (`last` is the newest run).

    Example: shipcall show r3 --by topic --by difficulty
    """
    ws = workspace(ctx)
    if confusion:
        from shipcall.app.confusion import confusion_report
        from shipcall.render.run import confusion_text

        rep = confusion_report(ws, run_ref)
        if as_json:
            emit_json(rep.to_dict())
        else:
            click.echo(confusion_text(rep))
        return
    r = ws.store.get_run(run_ref)
    cohorts = r.cohorts
    if by:
        cohorts = {c: v for c, v in r.cohorts.items() if c.split("=", 1)[0] in by}
    from shipcall.app.judge import judge_report

    judged = judge_report(ws, r)  # the LLM judge's verdicts, agreement and kappa, when it ran
    unreviewed = sum(not it.reviewed for it in ws.store.load_dataset(r.dataset, r.dataset_version).items)
    if as_json:
        emit_json(run_json(r, cohorts) | ({"judge": judged} if judged else {}) | {"unreviewed_items": unreviewed})
        return
    click.echo(run_text(r, list(by) or None, cohorts))
    if unreviewed:
        click.echo(f"\nnote: {unreviewed} of {r.n_items} items of {r.dataset}@{r.dataset_version} nobody has reviewed "
                   f"(drafted with --accept): treat these results as provisional")
    if judged:
        click.echo(judge_text(judged["metrics"]))
        for w in judged["warnings"]:
            click.echo(f"warning: {w}", err=True)
