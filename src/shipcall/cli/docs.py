"""`shipcall docs list|show`: the documents of the corpus and the ids evidence uses."""

from __future__ import annotations

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("docs")
def cli() -> None:
    """The documents of the corpus, with the ids a dataset's `evidence` names (a document's
    path relative to the ingested folder, e.g. hr/time-off.md; or a BEIR `_id`).

    Example: shipcall docs list --under hr
    """


@cli.command("list")
@click.option("--under", default=None, help="Only documents under this folder (e.g. hr).")
@click.option("--variant", "-v", default=None, help="Count chunks with this variant's chunker (default: the first).")
@json_option
@click.pass_context
def list_(ctx: click.Context, under: str | None, variant: str | None, as_json: bool) -> None:
    """List documents: id, title, headings and chunk count.

    Example: shipcall docs list --under hr
    """
    from shipcall.app.corpus import list_documents

    docs = list_documents(workspace(ctx), under=under, variant=variant)
    if as_json:
        emit_json([d.to_dict() for d in docs])
        return
    if not docs:
        click.echo("no documents" + (f" under {under}" if under else ""))
        return
    width = min(60, max(len(d.id) for d in docs))
    for d in docs:
        heads = f"  ({len(d.headings)} headings)" if d.headings else ""
        click.echo(f"{d.id:<{width}}  {d.chunks:>3} chunks  {d.title}{heads}")
    click.echo(f"\n{len(docs)} documents; use these ids as `evidence` in a dataset", err=True)


@cli.command("show")
@click.argument("doc_id")
@click.option("--chunks", "with_chunks", is_flag=True, help="Also show the chunks the retriever indexes.")
@click.option("--variant", "-v", default=None, help="Chunk with this variant's chunker (default: the first).")
@json_option
@click.pass_context
def show(ctx: click.Context, doc_id: str, with_chunks: bool, variant: str | None, as_json: bool) -> None:
    """Show one document (any unique prefix of its id): title, headings, text, and with --chunks
    its chunks with their heading paths.

    Example: shipcall docs show hr/time-off.md --chunks
    """
    from shipcall.app.corpus import show_document

    d = show_document(workspace(ctx), doc_id, variant=variant)
    if as_json:
        out = d.to_dict(with_text=True)
        if not with_chunks:
            out.pop("chunk_list")
        emit_json(out)
        return
    click.echo(f"{d.id} — {d.title} ({d.words} words, {d.chunks} chunks)")
    for h in d.headings:
        click.echo(f"  § {h}")
    if with_chunks:
        for c in d.chunk_list:
            click.echo(f"\n[{c.id}] {' > '.join(c.heading_path)}\n{c.text}")
    else:
        click.echo("\n" + d.text)
