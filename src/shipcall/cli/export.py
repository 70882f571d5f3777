"""`shipcall export RUN`: per-item results as JSONL, or the document ranking as a TREC run."""

from __future__ import annotations

import json
import math

import click

from shipcall.cli._common import workspace


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
    verdicts with their reasoning when the run was judged.
    TREC: the document ranking (our ranks; scores strictly decreasing) for trec_eval or ranx.

    Example: shipcall export r3 --format trec --out run.trec
    """
    ws = workspace(ctx)
    r = ws.store.get_run(run_ref)
    results = ws.store.item_results(r.id)
    with open(out, "w", encoding="utf-8") as f:
        if fmt == "trec":
            for res in results:
                prev = math.inf
                for d in res.retrieved_docs:
                    # Our scores, nudged down by one ulp where tied, so that a tool re-sorting by
                    # score gets exactly our ranking back.
                    score = d.score if d.score < prev else math.nextafter(prev, -math.inf)
                    prev = score
                    f.write(f"{res.item_id} Q0 {d.doc_id} {d.rank} {score!r} shipcall-{r.id}\n")
        else:
            from shipcall.adapters.store.llm import judgements

            verdicts: dict[str, list[dict[str, object]]] = {}  # the LLM judge's, with its reasoning
            for j in judgements(ws.store, r.id):
                verdicts.setdefault(j["item_id"], []).append(
                    {k: j[k] for k in ("metric", "repeat", "label", "value", "reasoning", "judge_model",
                                       "prompt_hash", "error")})
            for res in results:
                f.write(json.dumps({
                    "id": res.item_id, "answer": res.answer, "context": res.context, "abstained": res.abstained,
                    "support": res.support,
                    "citations": [{"doc_id": c.doc_id, "chunk_id": c.chunk_id,
                                   "heading_path": list(c.heading_path), "snippet": c.snippet}
                                  for c in res.citations],
                    "retrieved": [vars(x) for x in res.retrieved],
                    "retrieved_docs": [vars(x) for x in res.retrieved_docs],
                    "latency_ms": res.latency_ms, "error": res.error, "metrics": res.metrics,
                    "failure_modes": res.failure_modes,
                    **{k: res.extra[k] for k in ("usage", "reply") if k in res.extra},  # LLM: tokens, cost, reply
                    **({"judge": verdicts[res.item_id]} if res.item_id in verdicts else {}),
                }, ensure_ascii=False) + "\n")
    click.echo(f"wrote {len(results)} items of {r.id} to {out}", err=True)
