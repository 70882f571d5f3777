"""`shipcall export RUN`: per-item results as JSONL, or the document ranking as a TREC run."""

from __future__ import annotations

import json

import click

from shipcall.cli._common import check_output_path, output_file, workspace


@click.command("export")
@click.argument("run_ref")
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Output file.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "trec"]), default="jsonl", show_default=True)
@click.pass_context
def cli(ctx: click.Context, run_ref: str, out: str, fmt: str) -> None:
    """Export RUN's per-item results. JSONL: one line per item with id, answer (exactly the
    text exact_match and f1 scored), context (the sentence it was taken from), abstained,
    citations, retrieved, retrieved_docs, metrics;
    for LLM generators also usage (tokens, cost, cached) and the raw reply, and the judge's
    verdicts with their reasoning when the run was judged. classify runs: the item's fields
    with `prediction`, `confidence`, `correct`; summarize runs: the item's fields with
    `summary` and the source `spans` of its sentences.
    TREC: the document ranking (our ranks; scores strictly decreasing) for trec_eval or ranx.

    Example: shipcall export r3 --format trec --out run.trec
    """
    from shipcall.app.export import export_rows, trec_lines

    check_output_path(out, field="--out")
    ws = workspace(ctx)
    r = ws.store.get_run(run_ref)
    n = 0
    with output_file(out, field="--out") as f:
        if fmt == "trec":
            for line in trec_lines(ws, r):
                f.write(line)
            n = r.n_items
        else:
            for row in export_rows(ws, r):
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    click.echo(f"wrote {n} items of {r.id} to {out}", err=True)
