"""`shipcall sweep`: every combination of a grid of chunking and retrieval choices, as stored
runs, ranked best first with the significant differences against the base marked."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("sweep")
@click.option("--dataset", "dataset_ref", required=True, help="NAME or NAME@VERSION (default: latest).")
@click.option("--variant", "-v", default=None, help="Base variant (default: the first in shipcall.yaml).")
@click.option("--grid", "grid", multiple=True, required=True,
              help="SECTION.KEY=V1,V2,... (repeatable; every combination runs), e.g. chunker.size=128,256,512.")
@click.option("--metric", default=None, help="Rank by this metric (default: the contract's primary).")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False), default=None,
              help="Contract file (default: the workspace's contract.yaml, else documented defaults).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the first N items.")
@click.option("--rerun", is_flag=True, help="Run every combination again instead of reusing finished runs.")
@json_option
@click.pass_context
def cli(ctx: click.Context, dataset_ref: str, variant: str | None, grid: tuple[str, ...], metric: str | None,
        contract_path: str | None, limit: int | None, rerun: bool, as_json: bool) -> None:
    """Run the base variant and every combination of the grid over a dataset (each a normal
    stored run; indexes, embeddings and finished runs are reused), then print them best first by
    the contract's primary metric with its guarded metrics, retrieval and answer metrics, latency
    p50/p95, cost per 1,000 items, index size and build time, and the call `shipcall gate` would
    make for each against the base (WAIT rows are marked and their blocking reasons listed). ▲/▼
    mark differences from the base that are significant after correcting for every test of the
    sweep. Combinations that do not apply (chunker.size with kind=document) are
    skipped with a note.

    Example: shipcall sweep --dataset sample --variant baseline --grid chunker.kind=fixed,heading,sentence
    --grid chunker.size=128,256,512 --grid retriever.kind=bm25,dense,hybrid
    """
    from shipcall.adapters.progress import progress_bar
    from shipcall.app.datasets import parse_ref
    from shipcall.app.sweep import sweep

    ws = workspace(ctx)
    ds = ws.store.load_dataset(*parse_ref(dataset_ref))
    bar: Any = None

    def on_start(i: int, n: int, name: str) -> None:
        nonlocal bar
        if bar is not None:
            bar.close()
        click.echo(f"[{i}/{n}] {name}", err=True)
        bar = progress_bar(len(ds.items[:limit] if limit else ds.items), f"run {i}/{n}", "item")

    def progress(done: int, total: int) -> None:
        if bar is not None:
            bar.update(done - bar.n)

    try:
        report = sweep(ws, ds, variant, list(grid), ws.contract(contract_path), metric=metric, rerun=rerun,
                       limit=limit, on_start=on_start, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    if as_json:
        emit_json(report.to_dict())
        return
    print_sweep(report)


def print_sweep(report: Any) -> None:
    from shipcall.cli._common import fmt

    ms = report.metrics
    click.echo(f"sweep over {report.dataset}@{report.dataset_version}, base {report.base}; "
               f"best first by {report.primary} ({'higher' if report.higher_is_better else 'lower'} is better)")
    for note in report.notes:
        click.echo(f"note: {note}")
    header = ["#", "variant", "run", *ms, "p50 ms", "p95 ms", "$/1000", "index MB", "build s", "gate", "vs base"]
    rows = []
    for i, r in enumerate(report.rows, start=1):
        marks = []
        for m in ms:
            v = r.vs_base.get(m)
            if v and v["significant"]:
                marks.append(f"{m} {'▲' if v['direction'] == 'better' else '▼'}")
        cells = [f"{r.run.metrics[m]:.3f}" + ("*" if r.vs_base.get(m, {}).get("significant") else "") for m in ms]
        rows.append([str(i), r.name + (" (base)" if r.is_base else ""), r.run.id + ("·" if r.reused else ""),
                     *cells, fmt(r.run.metrics.get("latency_ms_p50"), 1), fmt(r.run.metrics.get("latency_ms_p95"), 1),
                     f"{r.to_dict()['cost_per_1000']:.4g}", f"{r.index['bytes'] / 1e6:.2f}",
                     f"{r.index['build_seconds']:.1f}", _gate_cell(r),
                     "base" if r.is_base else (", ".join(marks) or "no significant difference")])
    widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(header)]
    click.echo("")
    click.echo("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    click.echo("")
    click.echo(f"* and ▲/▼: paired test against the base, p adjusted ({report.correction}) over every "
               f"combination × metric of this sweep, below {report.alpha}. · = finished run reused (--rerun to redo).")
    click.echo("gate: the call `shipcall gate` would make against the base (nothing recorded); WAIT ✗ fails it:")
    for i, r in enumerate(report.rows, start=1):
        for reason in (r.gate or {}).get("blocking", [])[:3]:
            click.echo(f"  #{i} {r.name}: {reason}")
    for s in report.skipped:
        click.echo(f"skipped {s['variant']}: {s['reason']}")


def _gate_cell(row: Any) -> str:
    verdict = (row.gate or {}).get("verdict")
    return "–" if verdict is None else ("SHIP" if verdict == "SHIP" else "WAIT ✗")
