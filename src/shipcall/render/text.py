"""Plain-text renderings of comparisons and decisions, for the terminal."""

from __future__ import annotations

from typing import Any

import click

from shipcall.core.verdicts import MARK


def print_rows(rows: list[Any], *, with_cohort: bool, only_notable: bool = False) -> None:
    head = f"  {'cohort':<26}" if with_cohort else "  "
    click.echo(head + f"{'metric':<20}{'n':>5}{'base':>8}{'cand':>8}{'delta':>8}   {'adjusted CI':<17}"
                      f"{'p_adj':>8}  verdict")
    for r in rows:
        if only_notable and r.verdict == "no_change":
            continue
        need = f" (needs ~{r.items_needed} items)" if r.items_needed else ""
        likely = f" — {r.statement}" if r.likely else ""
        same = f" (= {r.same_as})" if r.same_as else ""
        fam = " [exploratory]" if r.family == "exploratory" else ""
        cohort = f"  {r.cohort:<26}" if with_cohort else "  "
        click.echo(cohort + f"{r.metric + same:<20}{r.n:>5}{r.baseline:>8.3f}{r.candidate:>8.3f}{r.delta:>+8.3f}   "
                   f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}] {r.p_adjusted:>8.4f}  {MARK[r.verdict]} {r.verdict}"
                   f"{need}{likely}{fam}")


def print_report(rep: Any, *, cohorts_all: bool = False) -> None:
    cmp = rep.comparison
    b, c = rep.baseline.run, rep.candidate.run
    fams = cmp.families or {}
    ex = fams.get("exploratory", {}).get("size", 0)
    click.echo(f"compare {b.id} ({b.variant}) → {c.id} ({c.variant}) on {cmp.shared_items} shared items; "
               f"{cmp.correction} correction within each family: confirmatory {cmp.family_size} tests (the "
               f"contract's primary and guarded metrics over its cohorts), exploratory {ex}; alpha {cmp.alpha}; "
               f"{cmp.n_resamples} resamples")
    click.echo("intervals are adjusted like the p-values beside them (simultaneous); JSON also has the "
               "unadjusted 95% interval (ci95_low, ci95_high)")
    for note in getattr(cmp, "notes", []):
        click.echo(f"note: {note}")
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
        click.echo("\nDifferent dataset versions: change = dataset part (baseline on the new items − baseline "
                   "on the old) + system part (candidate − baseline, both on the new items)")
        for m, s in cmp.dataset_split.items():
            if s.get("system_part") is not None:
                click.echo(f"  {m:<20} total {s['total_change']:+.3f} = dataset {s['dataset_part']:+.3f} + system "
                           f"{s['system_part']:+.3f} ({s['method']})")
            else:
                shared = s.get("system_part_shared")
                click.echo(f"  {m:<20} total {s['total_change']:+.3f}; system part on the {s['n_shared']} shared "
                           f"items {'–' if shared is None else format(shared, '+.3f')}; {s['how_to_measure']}")
    if rep.failure_shift:
        click.echo("\nFailure modes (primary), baseline → candidate")
        for f in rep.failure_shift:
            click.echo(f"  {f['mode']:<20}{f['baseline']:>5} → {f['candidate']:<5} ({f['delta']:+d})")
    unreviewed = [f for f in (rep.health.findings if rep.health else []) if f.check == "unreviewed"]
    if unreviewed:
        click.echo(f"\nUnreviewed items: {unreviewed[0].detail}")
    if rep.health and rep.health.findings:
        counts = ", ".join(f"{k} {v}" for k, v in rep.health.counts().items())
        click.echo(f"\nDataset health: {counts} (details: shipcall dataset health {c.dataset}@{c.dataset_version})")


def print_decision(decision: object, *, brief: bool = False) -> None:
    from shipcall.core.gate import Decision

    assert isinstance(decision, Decision)
    head = decision.summary or decision.verdict
    click.echo(head + (" (human override)" if decision.override else ""))
    shown = [r for r in decision.reasons if not brief or r.severity == "block" or r.kind == "baseline_fails"]
    for r in shown:
        where = f" [{r.cohort}]" if r.cohort else ""
        click.echo(f"  {r.severity.upper():<5} {r.kind}{where}: {r.detail}")
    if len(shown) < len(decision.reasons):
        n = len(decision.reasons) - len(shown)
        click.echo(f"  ({n} warnings, mostly underpowered cohorts: `shipcall gate` lists them with the items needed)")
    for c in decision.checks:
        click.echo(f"  ok    {c}")
