"""`shipcall demo [--dir DIR]`: the sample workspace, the whole loop, offline."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click


@click.command("demo")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to build the sample workspace (default: a new temporary folder, kept).")
@click.option("--task", type=click.Choice(["rag", "classify", "summarize"]), default="rag", show_default=True,
              help="Which feature: answers over the docs (rag), the inbox classifier (classify) or the "
                   "meeting-notes summarizer (summarize).")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, task: str) -> None:
    """Build the bundled sample workspace (a fictional company's internal docs and an
    evaluation dataset), ingest it, answer example questions with citations, and run the
    evaluation loop. Fully offline. `--task classify` runs the loop on the company's support
    inbox, `--task summarize` on its meeting notes; each ends with the contract's verdict.

    Example: shipcall demo --dir ./demo-ws --task classify
    """
    from shipcall.adapters.generators.base import ABSTENTION
    from shipcall.app.demo import run_demo
    from shipcall.render.text import print_decision, print_report

    target = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="shipcall-demo-"))
    click.echo(f"Sample workspace: {target.resolve()}")
    if task != "rag":
        _task_demo(target, task)
        return
    out = run_demo(target)
    ws, rep = out.workspace, out.ingested
    click.echo(f"Ingested {rep.ingested} documents (skipped {len(rep.skipped)}); "
               f"corpus version {rep.corpus_version}\n")
    for q, r in out.answers:
        click.echo(f"Q: {q}")
        if r.answer.abstained:
            click.echo(f"A: {ABSTENTION} (support {r.answer.support:.2f} below min_score)")
        else:
            click.echo(f"A: {r.answer.text}")
            for i, c in enumerate(r.answer.citations, start=1):
                click.echo(f"   [{i}] {c.doc_id}" + (f" — {' > '.join(c.heading_path)}" if c.heading_path else ""))
        click.echo(f"   ({r.latency_ms['total']:.1f} ms)\n")
    click.echo(f"Dataset sample@{out.dataset.version}: {len(out.dataset.items)} items\n")
    for name, run in out.runs.items():
        m = run.metrics
        click.echo(f"Run {run.id} ({name}): contains_answer {m.get('contains_answer', 0):.3f}, "
                   f"recall@5 {m.get('recall@5', 0):.3f}, false_answer_rate {m.get('false_answer_rate', 0):.3f}, "
                   f"latency p95 {m.get('latency_ms_p95', 0):.1f} ms")
    from shipcall.core.narrative import gate_sentence

    contract = ws.contract()
    click.echo("\n" + gate_sentence(out.decision.to_dict(), out.report.comparison.to_dict(), contract.primary,
                                    list(contract.guarded)) + "\n")
    print_report(out.report)
    if out.failure_counts:
        failed = sum(n for _, n in out.failure_counts)
        click.echo(f"\nFailure modes of the candidate ({failed} of {len(out.report.candidate.results)} items failed)")
        for mode, n in out.failure_counts:
            click.echo(f"  {mode:<20}{n:>5}  {n / failed:>6.1%}")
    click.echo("")
    print_decision(out.decision, brief=True)
    click.echo(f"\nNext: shipcall --workspace {ws.root} failures {out.runs['candidate'].id} --by topic")


def _task_demo(target: Path, task: str) -> None:
    from shipcall.app.demo_tasks import run_task_demo
    from shipcall.render.text import print_decision, print_report

    out = run_task_demo(target, task)
    for name, ds in out.datasets.items():
        click.echo(f"Dataset {name}@{ds.version}: {len(ds.items)} {task} items"
                   + (f", {len(ds.labels)} labels" if ds.labels else "") + "\n")
    if task == "classify":
        for e in out.examples:
            text = " ".join(e["text"].split())
            mark = "right" if e["prediction"] == e["label"] else f"wrong, gold {e['label']}"
            click.echo(f"  {text[:90]}{'…' if len(text) > 90 else ''}")
            click.echo(f"    → {e['prediction']} ({e['confidence']:.2f}; {mark})")
    else:
        for e in out.examples:
            click.echo(f"Summary of {e['id']} (rouge1 {e['rouge1']:.3f}):")
            for line in e["summary"].splitlines():
                click.echo(f"  {line}")
    click.echo("")
    for run in out.runs.values():
        m = run.metrics
        shown = (("accuracy", "macro_f1", "ece") if task == "classify"
                 else ("rouge1", "rouge2", "key_point_coverage", "summary_words"))
        click.echo(f"Run {run.id} ({run.variant}): " + ", ".join(f"{k} {m[k]:.3f}" for k in shown if k in m))
    click.echo("")
    print_report(out.report)
    if out.failure_counts:
        failed = sum(n for _, n in out.failure_counts)
        click.echo(f"\nFailure modes of the candidate ({failed} of {len(out.report.candidate.results)} items)")
        for mode, n in out.failure_counts[:8]:
            click.echo(f"  {mode:<40}{n:>5}  {n / failed:>6.1%}")
    click.echo("")
    print_decision(out.decision, brief=True)
    nxt = "show {run} --confusion" if task == "classify" else "failures {run} --by department"
    click.echo(f"\nNext: shipcall --workspace {out.workspace.root} " + nxt.format(run=out.runs["candidate"].id))
