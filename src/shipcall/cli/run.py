"""`shipcall run`: run a variant over a dataset version, with progress, resumable."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, warn, workspace


@click.command("run")
@click.option("--dataset", "dataset_ref", default=None,
              help="NAME or NAME@VERSION (default: the latest version; the only dataset when there is one).")
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
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="Where items are answered: this process, or a Ray cluster (the `ray` extra).")
@click.option("--address", default=None, help="With --executor ray: `auto` or ray://HOST:PORT to join a running "
                                              "cluster (default: start a local one).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="With --executor ray: how many workers (default: the cluster's CPUs).")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset_ref: str | None, variant: str | None, limit: int | None, judge: bool | None,
        judge_repeats: int | None, wait: bool, executor: str, address: str | None, workers: int | None,
        as_json: bool) -> None:
    """Run a variant over every item of a dataset and store per-item results. An interrupted
    run resumes where it stopped when the same command is run again. LLM generators answer
    several items at once (their `concurrency`), never pay twice for a reply (response cache),
    and stop cleanly at their `budget` (exit 2; raise it and run again to resume).

    Example: shipcall run --dataset sample --variant baseline --judge-repeats 3
    """
    from shipcall.adapters.progress import progress_bar
    from shipcall.app.datasets import parse_ref
    from shipcall.app.judge import judge_options
    from shipcall.app.run import run
    from shipcall.render.run import judge_text, run_json, run_text

    ws = workspace(ctx)
    ray_executor = None
    if executor == "ray":
        from shipcall.app.distributed import RayExecutor, require_ray

        require_ray()
        ray_executor = RayExecutor(address=address, workers=workers)
    elif address or workers:
        from shipcall.errors import ConfigError

        raise ConfigError("--address and --workers go with --executor ray", field="--executor")
    if dataset_ref is None:
        from shipcall.app.defaults import default_dataset

        dataset_ref = default_dataset(ws)
    ds = ws.store.load_dataset(*parse_ref(dataset_ref))
    options = judge_options(ws, judge, judge_repeats, warn=warn)
    bar = progress_bar(len(ds.items[:limit] if limit else ds.items), "run", "item")

    def progress(done: int, total: int) -> None:
        bar.update(done - bar.n)  # update, not refresh: the bar keeps its own pace (adapters/progress.py)

    judge_bar: list[Any] = []

    def judge_progress(done: int, total: int) -> None:
        if not judge_bar:
            judge_bar.append(progress_bar(total, "judge", "verdict"))
        judge_bar[0].update(done - judge_bar[0].n)

    try:
        outcome = run(ws, ds, variant, limit=limit, progress=progress, judge=options, judge_progress=judge_progress,
                      wait=wait, on_wait=lambda msg: click.echo(msg, err=True), executor=ray_executor)
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
        extra: dict[str, Any] = {"resumed": outcome.resumed, "items_done_before": outcome.done_before}
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
            click.echo(run_text(r, None))
            if outcome.judge:
                click.echo(judge_text(outcome.judge))
    if outcome.stopped:
        ctx.exit(2)
