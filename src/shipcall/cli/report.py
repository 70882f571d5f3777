"""`shipcall report run|compare|decision|variants`: one self-contained HTML file each (inline CSS,
plots as inline SVG, no script, no request), written to --out or under .shipcall/reports/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, progress_bar, workspace

OUT_HELP = "File to write (default: .shipcall/reports/KIND-ID.html in the workspace)."


def _write(ws: Any, html: str, out: str | None, kind: str, *ids: str | int, as_json: bool) -> None:
    from shipcall.app.reports import report_path

    path = Path(out) if out else report_path(ws, kind, *ids)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    if as_json:
        emit_json({"report": kind, "path": str(path.resolve()), "bytes": path.stat().st_size})
    else:
        click.echo(str(path))


@click.group("report")
def cli() -> None:
    """Write a report to share: one HTML file that opens offline in any browser (no script, no
    network), with the verdict first, plots and the metric definitions.

    Example: shipcall report compare r1 r2 --out compare.html
    """


@cli.command("run")
@click.argument("run")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help=OUT_HELP)
@json_option
@click.pass_context
def run_cmd(ctx: click.Context, run: str, out: str | None, as_json: bool) -> None:
    """A run: the contract's metrics, metric history over the variant's runs, failure-mode
    Pareto with examples, latency distribution, dataset growth, every metric by family.

    Example: shipcall report run r2
    """
    from shipcall.app.reports import run_report
    from shipcall.render.html import run_html

    ws = workspace(ctx)
    rep = run_report(ws, run)
    _write(ws, run_html(rep), out, "run", rep.run.id, as_json=as_json)


@cli.command("compare")
@click.argument("baseline")
@click.argument("candidate")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help=OUT_HELP)
@json_option
@click.pass_context
def compare_cmd(ctx: click.Context, baseline: str, candidate: str, out: str | None, as_json: bool) -> None:
    """A comparison: the gate's verdict in words first (not recorded), the reasons, per-cohort
    changes with intervals (forest plots), the system/dataset split, failure modes, tables.

    Example: shipcall report compare r1 r2 --out compare.html
    """
    from shipcall.app.reports import compare_report
    from shipcall.render.html import compare_html

    ws = workspace(ctx)
    rep = compare_report(ws, baseline, candidate)
    _write(ws, compare_html(rep), out, "compare", rep.baseline.id, rep.candidate.id, as_json=as_json)


@cli.command("decision")
@click.argument("decision_id", required=False, type=int)
@click.option("--out", default=None, type=click.Path(dir_okay=False), help=OUT_HELP)
@json_option
@click.pass_context
def decision_cmd(ctx: click.Context, decision_id: int | None, out: str | None, as_json: bool) -> None:
    """A recorded decision (default: the latest): verdict, author, note, reasons, the evidence
    plotted, the decision history.

    Example: shipcall report decision 3
    """
    from shipcall.app.reports import decision_report
    from shipcall.render.html import decision_html

    ws = workspace(ctx)
    rep = decision_report(ws, decision_id)
    _write(ws, decision_html(rep), out, "decision", rep.record["id"], as_json=as_json)


@cli.command("variants")
@click.option("--dataset", default=None, help="NAME or NAME@VERSION (default: the dataset of the newest run).")
@click.option("--out", default=None, type=click.Path(dir_okay=False), help=OUT_HELP)
@json_option
@click.pass_context
def variants_cmd(ctx: click.Context, dataset: str | None, out: str | None, as_json: bool) -> None:
    """The variants side by side: quality with its interval, guarded metrics, latency, cost per
    1,000 items, index size, the Pareto frontier plotted, significance against the baseline.

    Example: shipcall report variants --dataset sample
    """
    from shipcall.app.variants import variants
    from shipcall.render.html import variants_html

    ws = workspace(ctx)
    bar = progress_bar("comparing with the baseline", "variant")
    try:
        rep = variants(ws, dataset, progress=bar)
    finally:
        bar.close()
    _write(ws, variants_html(rep), out, "variants", f"{rep.dataset}@{rep.version}", as_json=as_json)
