"""`shipcall show RUN` and `shipcall runs`: a run's metrics overall and per cohort."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, workspace
from shipcall.core.runs import Run


def run_json(r: Run, cohorts: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "run_id": r.id, "variant": r.variant, "dataset": r.dataset, "dataset_version": r.dataset_version,
        "corpus_version": r.corpus_version, "variant_hash": r.variant_hash, "code_version": r.code_version,
        "status": r.status, "started_at": r.started_at, "finished_at": r.finished_at,
        "n_items": r.n_items, "errors": r.errors, "metrics": r.metrics,
        "cohorts": r.cohorts if cohorts is None else cohorts, "config": r.config,
    }


def print_run(r: Run, by: list[str] | None, cohorts: dict[str, Any] | None = None) -> None:
    click.echo(f"run {r.id}: variant {r.variant} on {r.dataset}@{r.dataset_version} "
               f"(corpus {r.corpus_version}); {r.n_items} items, {r.errors} errors, {r.status}")
    names = list(r.metrics)
    click.echo("")
    click.echo(f"  {'metric':<22}{'overall':>10}")
    for m in names:
        click.echo(f"  {m:<22}{r.metrics[m]:>10.3f}")
    cohorts = r.cohorts if cohorts is None else cohorts
    if by and cohorts:
        show = [m for m in ("recall@5", "ndcg@10", "contains_answer", "f1", "false_answer_rate",
                            "over_refusal_rate") if m in names] or names[:6]
        click.echo("")
        click.echo(f"  {'cohort':<28}{'n':>5}" + "".join(f"{m:>18}" for m in show))
        for c, v in cohorts.items():
            vals = "".join(f"{v['metrics'][m]:>18.3f}" if m in v["metrics"] else f"{'-':>18}" for m in show)
            click.echo(f"  {c:<28}{v['n']:>5}" + vals)


@click.command("show")
@click.argument("run_ref")
@click.option("--by", "by", multiple=True, help="Tag key to break metrics down by (repeatable).")
@json_option
@click.pass_context
def cli(ctx: click.Context, run_ref: str, by: tuple[str, ...], as_json: bool) -> None:
    """Show RUN's metrics overall and per cohort (`last` is the newest run).

    Example: shipcall show r3 --by topic --by difficulty
    """
    ws = workspace(ctx)
    r = ws.store.get_run(run_ref)
    cohorts = r.cohorts
    if by:
        cohorts = {c: v for c, v in r.cohorts.items() if c.split("=", 1)[0] in by}
    from shipcall.judge import judge_report

    judged = judge_report(ws, r)  # the LLM judge's verdicts, agreement and kappa, when it ran
    unreviewed = sum(not it.reviewed for it in ws.store.load_dataset(r.dataset, r.dataset_version).items)
    if as_json:
        emit_json(run_json(r, cohorts) | ({"judge": judged} if judged else {}) | {"unreviewed_items": unreviewed})
        return
    print_run(r, list(by) or None, cohorts)
    if unreviewed:
        click.echo(f"\nnote: {unreviewed} of {r.n_items} items of {r.dataset}@{r.dataset_version} nobody has reviewed "
                   f"(drafted with --accept): treat these results as provisional")
    if judged:
        from shipcall.cli.run import print_judge

        print_judge(judged["metrics"])
        for w in judged["warnings"]:
            click.echo(f"warning: {w}", err=True)
