"""`shipcall compare BASELINE CANDIDATE`: paired comparison overall and per cohort."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, workspace

MARK = {"improved": "+", "regressed": "!", "no_change": "=", "underpowered": "?"}


def print_rows(rows: list[Any], *, with_cohort: bool, only_notable: bool = False) -> None:
    head = f"  {'cohort':<26}" if with_cohort else "  "
    click.echo(head + f"{'metric':<20}{'n':>5}{'base':>8}{'cand':>8}{'delta':>8}   {'95% CI':<17}"
                      f"{'p_adj':>8}  verdict")
    for r in rows:
        if only_notable and r.verdict == "no_change":
            continue
        need = f" (needs ~{r.items_needed} items)" if r.items_needed else ""
        cohort = f"  {r.cohort:<26}" if with_cohort else "  "
        click.echo(cohort + f"{r.metric:<20}{r.n:>5}{r.baseline:>8.3f}{r.candidate:>8.3f}{r.delta:>+8.3f}   "
                   f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}] {r.p_adjusted:>8.4f}  {MARK[r.verdict]} {r.verdict}{need}")


def print_report(rep: Any, *, cohorts_all: bool = False) -> None:
    cmp = rep.comparison
    b, c = rep.baseline.run, rep.candidate.run
    click.echo(f"compare {b.id} ({b.variant}) → {c.id} ({c.variant}) on {cmp.shared_items} shared items; "
               f"{cmp.correction} correction over {cmp.family_size} tests, alpha {cmp.alpha}, "
               f"{cmp.n_resamples} paired bootstrap resamples")
    tests = sorted({r.test for r in cmp.rows})
    if tests:
        click.echo(f"p-values: {', '.join(tests)}")
    click.echo("\nOverall")
    print_rows(cmp.overall, with_cohort=False)
    if cmp.cohorts:
        click.echo("\nCohorts" + ("" if cohorts_all else " (changes and underpowered only; --all for every row)"))
        print_rows(cmp.cohorts, with_cohort=True, only_notable=not cohorts_all)
    if cmp.callouts:
        click.echo("")
        for line in cmp.callouts:
            click.echo(f"  >> {line}")
    if cmp.dataset_split:
        click.echo("\nDifferent dataset versions: change = system part (shared items) + dataset part")
        for m, s in cmp.dataset_split.items():
            click.echo(f"  {m:<20} " + ", ".join(f"{k} {v:+.3f}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in s.items()))
    if rep.failure_shift:
        click.echo("\nFailure modes (primary), baseline → candidate")
        for f in rep.failure_shift:
            click.echo(f"  {f['mode']:<20}{f['baseline']:>5} → {f['candidate']:<5} ({f['delta']:+d})")
    if rep.health and rep.health.findings:
        counts = ", ".join(f"{k} {v}" for k, v in rep.health.counts().items())
        click.echo(f"\nDataset health: {counts} (details: shipcall dataset health {c.dataset}@{c.dataset_version})")


@click.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@click.option("--by", "by", multiple=True, help="Tag key to compare per cohort (repeatable; default: the contract's).")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False), default=None,
              help="Contract file (default: the workspace's contract.yaml, else documented defaults).")
@click.option("--all", "show_all", is_flag=True, help="Print every cohort row, not only the notable ones.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@json_option
@click.pass_context
def cli(ctx: click.Context, baseline: str, candidate: str, by: tuple[str, ...], contract_path: str | None,
        show_all: bool, seed: int, as_json: bool) -> None:
    """Compare CANDIDATE with BASELINE on the items both runs share: per metric and cohort, the
    delta, a 95% paired bootstrap interval, a p-value corrected for every test, and a verdict
    (improved, regressed, no_change, underpowered with the items needed).

    Example: shipcall compare r1 r2 --by topic
    """
    from shipcall.evidence import compare_runs, contract_for

    ws = workspace(ctx)
    rep = compare_runs(ws, baseline, candidate, contract_for(ws, contract_path), list(by) or None, seed=seed)
    if as_json:
        emit_json(rep.to_dict())
        return
    print_report(rep, cohorts_all=show_all)
