"""`shipcall ask QUESTION`: answer with citations, or abstain with the nearest near-misses."""

from __future__ import annotations

import threading
from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.command("ask")
@click.argument("question")
@click.option("--variant", "-v", default=None, help="Variant name (default: the first in shipcall.yaml).")
@json_option
@click.pass_context
def cli(ctx: click.Context, question: str, variant: str | None, as_json: bool) -> None:
    """Answer QUESTION from the workspace's documents.

    Example: shipcall ask "How many days of paid leave do employees get?"
    """
    from shipcall.adapters.generators.base import ABSTENTION
    from shipcall.app.feature import Feature, loads_model

    ws = workspace(ctx)
    name, config = ws.variant(variant)
    what = "the index and the embedding model" if loads_model(config) else "the index"
    # opening a variant takes a moment (a dense one loads a model: seconds); say so when it does
    notice = threading.Timer(1.0, lambda: click.echo(f"loading {what} of {name} …", err=True))
    notice.daemon = True
    notice.start()
    try:
        feature = Feature.open(ws, variant)
    finally:
        notice.cancel()
    streamed = feature.streams and not as_json  # `stream: true`: print the answer as it arrives

    def echo(text: str) -> None:
        click.echo(text, nl=False)

    r = feature.answer(question, on_text=echo if streamed else None)
    a = r.answer
    if as_json:
        emit_json(r.to_dict(feature.name))
        return
    if a.raw:  # an LLM's reply: its [n] markers number the retrieved chunks
        if not streamed:
            click.echo(a.raw)
        else:
            click.echo("")
        numbers = {sc.chunk.id: i for i, sc in enumerate(r.chunks, start=1)}
        shown = a.citations if not a.abstained else ()
        if shown:
            click.echo("\nSources:")
            for c in shown:
                head = " > ".join(c.heading_path)
                click.echo(f"  [{numbers.get(c.chunk_id, '?')}] {c.doc_id}{' — ' + head if head else ''}")
        if a.abstained and r.chunks:
            click.echo("\nNearest near-misses:")
            for sc in r.chunks[:3]:
                head = " > ".join(sc.chunk.heading_path)
                click.echo(f"  - {sc.chunk.doc_id}{' — ' + head if head else ''} (score {sc.score:.2f})")
        lat = r.latency_ms
        ttft = f"first token {lat['ttft']:.0f} ms, " if "ttft" in lat else ""
        paid = "from the response cache" if a.cached else f"${a.cost:.5f}"
        click.echo(f"\n({feature.name}; {a.meta.get('model', '')}; {loaded(feature)}; answer: {ttft}total "
                   f"{lat['total']:.0f} ms; {a.tokens_in}+{a.tokens_out} tokens, {paid})", err=True)
        serve_tip(feature)
        return
    if a.abstained:
        click.echo(ABSTENTION)
        if r.chunks:
            click.echo("\nNearest near-misses:")
            for sc in r.chunks[:3]:
                head = " > ".join(sc.chunk.heading_path)
                click.echo(f"  - {sc.chunk.doc_id}{' — ' + head if head else ''} (score {sc.score:.2f})")
    else:
        click.echo(a.text)
        if a.context and a.context != a.text:
            click.echo("\n  " + a.context.replace("\n", "\n  "))
        click.echo("\nSources:")
        for i, c in enumerate(a.citations, start=1):
            head = " > ".join(c.heading_path)
            click.echo(f"  [{i}] {c.doc_id}{' — ' + head if head else ''}")
    lat = r.latency_ms
    click.echo(f"\n({feature.name}; support {a.support:.2f}; {loaded(feature)}; answer {lat['total']:.1f} ms: "
               f"retrieve {lat['retrieve']:.1f} ms, generate {lat['generate']:.1f} ms)", err=True)
    serve_tip(feature)


def loaded(feature: Any) -> str:
    """The one-off cost of opening the variant, apart from the answer's latency."""
    what = ("built" if feature.built_index else "loaded") + " index" + (" + model" if feature.loads_model else "")
    return f"{what} in {feature.load_ms / 1000:.1f} s"


def serve_tip(feature: Any) -> None:
    if feature.load_ms >= 2000:
        click.echo("tip: `shipcall serve` loads the index and model once and answers each question in "
                   "milliseconds (http://127.0.0.1:8000/ui/ask)", err=True)
