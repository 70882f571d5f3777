"""`shipcall failures RUN`: the failure-mode Pareto table and examples."""

from __future__ import annotations

from collections import Counter

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("failures")
@click.argument("run_ref")
@click.option("--mode", default=None, help="Only this failure mode (e.g. retrieval_miss).")
@click.option("--by", "by", multiple=True, help="Break counts down by this tag key (repeatable).")
@click.option("--examples", type=int, default=3, show_default=True, help="Examples per mode.")
@json_option
@click.pass_context
def cli(ctx: click.Context, run_ref: str, mode: str | None, by: tuple[str, ...], examples: int,
        as_json: bool) -> None:
    """Why items failed in RUN: a Pareto table of primary failure modes (count, share, per
    cohort) and examples with question, answer, gold and retrieved documents.

    Example: shipcall failures r2 --by topic --mode retrieval_miss
    """
    from shipcall.app.decisions import load_run
    from shipcall.core.failures import FAILURE_MODES
    from shipcall.errors import ConfigError

    if mode is not None and mode not in FAILURE_MODES:
        raise ConfigError(f"unknown failure mode {mode!r}", field="--mode", hint=f"one of: {', '.join(FAILURE_MODES)}")
    ev = load_run(workspace(ctx), run_ref)
    failed = [r for r in ev.results if r.failure_modes and (mode is None or r.failure_modes[0] == mode)]
    n = len(ev.results)
    counts = Counter(r.failure_modes[0] for r in failed)
    table = []
    for m, k in counts.most_common():
        row = {"mode": m, "count": k, "share": k / n if n else 0.0, "description": FAILURE_MODES.get(m, "")}
        for key in by:
            per = Counter(ev.items[r.item_id].tags.get(key, "(none)") for r in failed
                          if r.failure_modes[0] == m and r.item_id in ev.items)
            row[f"by_{key}"] = dict(sorted(per.items()))
        ex = []
        for r in [x for x in failed if x.failure_modes[0] == m][:examples]:
            it = ev.items.get(r.item_id)
            ex.append({"id": r.item_id, "question": it.question if it else "", "answer": r.answer,
                       "abstained": r.abstained, "gold": list(it.answers) if it else [],
                       "evidence": list(it.evidence) if it else [],
                       "retrieved": [d.doc_id for d in r.retrieved_docs[:5]], "modes": r.failure_modes})
        row["examples"] = ex
        table.append(row)
    if as_json:
        emit_json({"run_id": ev.run.id, "n_items": n, "failed": len(failed), "modes": table})
        return
    click.echo(f"run {ev.run.id} ({ev.run.variant}): {len(failed)} of {n} items failed")
    cum = 0
    click.echo(f"\n  {'mode':<20}{'count':>6}{'share':>8}{'cum':>7}  description")
    for row in table:
        cum += row["count"]
        click.echo(f"  {row['mode']:<20}{row['count']:>6}{row['share']:>8.1%}{cum / max(len(failed), 1):>7.0%}  "
                   f"{row['description']}")
        for key in by:
            click.echo(f"  {'':<20}{key}: " + ", ".join(f"{v}={c}" for v, c in row[f"by_{key}"].items()))
    for row in table:
        if not row["examples"]:
            continue
        click.echo(f"\n{row['mode']} — examples")
        for e in row["examples"]:
            click.echo(f"  [{e['id']}] {e['question']}")
            click.echo(f"     answer: {'(abstained)' if e['abstained'] else e['answer'][:160]}")
            if e["gold"]:
                click.echo(f"     gold: {'; '.join(e['gold'][:3])}")
            click.echo(f"     evidence: {', '.join(e['evidence']) or '-'}; retrieved: {', '.join(e['retrieved'])}")
