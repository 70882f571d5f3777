"""Plain-text renderings of drift, the canary monitor and production-weighted comparisons."""

from __future__ import annotations

from typing import Any

import click

CALL = {"candidate_worse": "! candidate worse", "candidate_better": "+ candidate better",
        "no_difference": "= no difference", "continue": "? keep collecting", "no_data": "- no data"}


def print_drift(rep: Any) -> None:
    d = rep.to_dict()
    head = {True: "REPRESENTS", False: "DRIFTED", None: "TOO FEW QUERIES"}[rep.represents]
    click.echo(f"{head}: {rep.summary}")
    click.echo(f"\n{rep.n_queries} logged queries{' since ' + d['since'] if d.get('since') else ''} against "
               f"{rep.dataset} ({rep.n_items} items); {rep.unlike} ({rep.unlike_share:.0%}) unlike any item "
               f"(similarity < {d['similarity_threshold']})")
    for k in rep.keys:
        dist = "-" if k.distance is None else f"{k.distance:.2f}"
        click.echo(f"\n  {k.key}: total variation {dist} (threshold {rep.threshold:.2f}); "
                   f"{k.assigned} queries assigned, {k.unassigned} not")
        click.echo(f"    {'cohort':<30}{'dataset':>14}{'production':>16}{'add':>6}")
        for s in k.shares:
            add = f"+{s.items_to_add}" if s.items_to_add else ""
            click.echo(f"    {s.cohort:<30}{s.dataset_n:>6} {s.dataset_share:>6.0%}{s.production_n:>8} "
                       f"{s.production_share:>6.0%}{add:>6}")
    if rep.unlike_examples:
        click.echo("\n  unlike any item, e.g.:")
        for q in rep.unlike_examples:
            click.echo(f"    - {q}")


def print_monitor(rep: Any, *, show_all: bool = False) -> None:
    m = rep.meta
    if rep.candidate is None:
        click.echo(f"no canary: {rep.notes[0] if rep.notes else 'only one variant in the log'}")
    else:
        click.echo(f"canary: {rep.baseline} (baseline) vs {rep.candidate} (candidate); {m.get('n_queries', 0)} logged "
                   f"queries{' since ' + m['since'] if m.get('since') else ''}; always-valid tests, Holm over "
                   f"{sum(1 for r in rep.rows if r.verdict != 'no_data')} rows, alpha {rep.alpha}, "
                   f"tolerance {rep.tolerance}")
    click.echo(f"\n  {'rate':<14}{'cohort':<26}{'baseline':>16}{'candidate':>16}{'delta':>8}  "
               f"{'confidence sequence':<20}{'p (always valid)':>17}  call")
    hidden = 0
    for r in rep.rows:
        if not show_all and r.cohort is not None and r.verdict not in ("candidate_worse", "candidate_better",
                                                                     "no_difference"):
            hidden += 1
            continue
        b = f"{r.x_baseline}/{r.n_baseline}"
        c = f"{r.x_candidate}/{r.n_candidate}"
        delta = "" if r.delta is None else f"{r.delta:+.3f}"
        cs = "" if r.cs_low is None else f"[{r.cs_low:+.3f}, {r.cs_high:+.3f}]"
        need = ""
        if r.verdict == "continue":
            what = "a difference" if r.needed_for == "difference" else "no difference"
            need = (f" (~{r.queries_needed} more {r.unit} for {what})" if r.queries_needed is not None
                    else f" (more than 10 million {r.unit} at these rates)")
        deff = max(getattr(r, "deff_baseline", 1.0), getattr(r, "deff_candidate", 1.0))
        clustered = (f" [users as clusters: design effect {r.deff_baseline:.1f} / {r.deff_candidate:.1f}]"
                     if deff > 1.05 else "")
        click.echo(f"  {r.rate:<14}{(r.cohort or 'overall'):<26}{b:>16}{c:>16}{delta:>8}  {cs:<20}"
                   f"{r.p_adjusted:>17.3g}  {CALL[r.verdict]}{need}{clustered}")
    if hidden:
        click.echo(f"  ({hidden} cohort rows still collecting or without data in both arms: --all shows them)")
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)


def print_weights(pw: Any, metrics: list[str] | None = None) -> None:
    """`metrics`: show only these rows, plus every row that improved or regressed (None: all)."""
    click.echo(f"\nProduction-weighted: cohort results re-weighted to the mix of {pw.n_queries} logged queries "
               f"(beside the eval-set mix)")
    for key, mix in pw.mixes.items():
        click.echo(f"  {key} mix: " + ", ".join(f"{m['cohort'].split('=', 1)[1]} {m['eval_share']:.0%}→"
                                                f"{m['production_share']:.0%}" for m in mix))
    if pw.rows:
        click.echo(f"  {'key':<12}{'metric':<20}{'eval-mix delta':>15}{'production delta':>18}   "
                   f"{'95% CI':<19}{'p_adj':>8}  {'coverage':>8}  verdict")
    shown = [r for r in pw.rows if metrics is None or r.metric in metrics or r.verdict in ("regressed", "improved")]
    for r in shown:
        click.echo(f"  {r.key:<12}{r.metric:<20}{r.eval_delta:>+15.3f}{r.delta:>+18.3f}   "
                   f"[{r.ci_low:+.3f}, {r.ci_high:+.3f}] {r.p_adjusted:>8.4f}  {r.coverage:>8.0%}  {r.verdict}")
    if len(shown) < len(pw.rows):
        click.echo(f"  ({len(pw.rows) - len(shown)} rows of other metrics without a change: --all or --json "
                   "shows them)")
    for note in pw.notes:
        click.echo(f"  note: {note}")
