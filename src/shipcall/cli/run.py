"""`shipcall run`: run a variant over a dataset version, with progress, resumable."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, warn, workspace


@click.command("run")
@click.option("--dataset", "dataset_ref", required=True, help="NAME or NAME@VERSION (default: latest).")
@click.option("--variant", "-v", default=None, help="Variant name (default: the first in shipcall.yaml).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N items.")
@click.option("--judge/--no-judge", "judge", default=None,
              help="Grade the answers with the contract's LLM judge after generation (default: when the "
                   "contract declares judge metrics).")
@click.option("--judge-repeats", type=click.IntRange(min=1, max=20), default=None,
              help="Judge each item N times (default: the contract's judge.repeats) to measure the judge's "
                   "self-agreement.")
@click.option("--wait", is_flag=True,
              help="If an identical run is already in progress in another process, wait for it to finish "
                   "and then run (default: stop with exit 2).")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset_ref: str, variant: str | None, limit: int | None, judge: bool | None,
        judge_repeats: int | None, wait: bool, as_json: bool) -> None:
    """Run a variant over every item of a dataset and store per-item results. An interrupted
    run resumes where it stopped when the same command is run again. LLM generators answer
    several items at once (their `concurrency`), never pay twice for a reply (response cache),
    and stop cleanly at their `budget` (exit 2; raise it and run again to resume).

    Example: shipcall run --dataset sample --variant baseline --judge-repeats 3
    """
    from tqdm import tqdm

    from shipcall.cli.show import print_run, run_json
    from shipcall.ingest.datasets import parse_ref
    from shipcall.runner import run

    ws = workspace(ctx)
    ds = ws.store.load_dataset(*parse_ref(dataset_ref))
    options = judge_options(ws, judge, judge_repeats)
    bar = tqdm(total=len(ds.items[:limit] if limit else ds.items), unit="item", desc="run",
               disable=None, leave=False)

    def progress(done: int, total: int) -> None:
        bar.n = done
        bar.refresh()

    judge_bar: list[tqdm] = []

    def judge_progress(done: int, total: int) -> None:
        if not judge_bar:
            judge_bar.append(tqdm(total=total, unit="verdict", desc="judge", disable=None, leave=False))
        judge_bar[0].n = done
        judge_bar[0].refresh()

    try:
        outcome = run(ws, ds, variant, limit=limit, progress=progress, judge=options, judge_progress=judge_progress,
                      wait=wait, on_wait=lambda msg: click.echo(msg, err=True))
    finally:
        bar.close()
        for b in judge_bar:
            b.close()
    r = outcome.run
    for w in outcome.warnings:
        warn(w)
    if outcome.stopped:
        warn(outcome.stopped)
    if as_json:
        extra = {"resumed": outcome.resumed, "items_done_before": outcome.done_before}
        if outcome.provider is not None:
            extra["provider"] = outcome.provider
        if outcome.judge is not None:
            extra["judge"] = outcome.judge
        if outcome.stopped:
            extra["stopped"] = outcome.stopped
        emit_json(run_json(r) | extra)
    else:
        if outcome.resumed:
            click.echo(f"resumed {r.id}: {outcome.done_before} items were already done", err=True)
        if outcome.provider is not None:
            p = outcome.provider
            click.echo(f"provider: {p['calls']} calls ({p['retries']} retries), {p['cache_hits']} from the response "
                       f"cache, {p['tokens_in'] + p['tokens_out']:,} tokens paid, ${p['cost_paid']:.4f}", err=True)
        if not outcome.stopped:
            print_run(r, None)
            if outcome.judge:
                print_judge(outcome.judge)
    if outcome.stopped:
        ctx.exit(2)


def judge_options(ws: object, judge: bool | None, repeats: int | None) -> Any:
    """The contract's judge with the command's repeats, or None (no judge declared, or --no-judge)."""
    from shipcall.config.load_contract import load_contract
    from shipcall.errors import ConfigError
    from shipcall.judge import JudgeOptions
    from shipcall.workspace import Workspace

    assert isinstance(ws, Workspace)
    if judge is False:
        return None
    asked = judge is True or repeats is not None
    contract = None
    if ws.contract_path.is_file():
        try:
            contract = load_contract(ws.contract_path)
        except ConfigError as e:
            if asked:
                raise
            warn(f"no LLM judge: contract.yaml is invalid ({e.message}); `shipcall contract check` explains")
    if contract is None or contract.judge is None:
        if asked:
            raise ConfigError("the contract declares no judge", file=str(ws.contract_path), field="judge",
                              hint="add judge: {provider: {kind: openai, model: ...}, metrics: {correctness: "
                                   "{rubric: ..., scale: [1, 5]}}} to contract.yaml (see README: LLM-as-judge)")
        return None
    return JudgeOptions(contract.judge, repeats or contract.judge.repeats)


def print_judge(summaries: list[dict[str, object]]) -> None:
    click.echo("")
    click.echo(f"  {'judge metric':<22}{'mean':>8}{'repeats':>9}{'self-agree':>12}{'flips':>7}{'kappa':>8}"
               f"{'humans':>8}{'errors':>8}")
    for s in summaries:
        def f(x: object) -> str:
            return f"{x:.3f}" if isinstance(x, float) else "-"
        click.echo(f"  {'judge_' + str(s['metric']):<22}{f(s['mean']):>8}{s['repeats']!s:>9}"
                   f"{f(s['self_agreement']):>12}{len(s['flipped_items']):>7}{f(s['kappa']):>8}"  # type: ignore[arg-type]
                   f"{s['n_human_labels']!s:>8}{s['errors']!s:>8}")
        if s["flipped_items"]:
            flipped = list(s["flipped_items"])  # type: ignore[call-overload]
            more = f" (+{len(flipped) - 10} more)" if len(flipped) > 10 else ""
            click.echo(f"    verdict flips between repeats: {', '.join(flipped[:10])}{more}")
