"""`shipcall dataset …`: import, list, show, diff, export evaluation datasets."""

from __future__ import annotations

import json

import click

from shipcall.cli._common import emit_json, json_option, workspace
from shipcall.errors import ShipcallError


@click.group("dataset")
def cli() -> None:
    """Versioned evaluation datasets: a new version whenever the items change.

    Example: shipcall dataset import questions.jsonl --name support
    """


@cli.command("import")
@click.argument("source", type=click.Path(), required=False)
@click.option("--name", default=None, help="Dataset name (required unless --template).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "beir"]), default="jsonl",
              help="jsonl: one item a line (default); beir: a BEIR folder (queries.jsonl + qrels/).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split (qrels/<split>.tsv).")
@click.option("--allow-unknown-evidence", is_flag=True,
              help="Store items whose evidence names documents the corpus does not have (a warning, not an error).")
@click.option("--template", is_flag=True, help="Print a commented example dataset file and exit.")
@json_option
@click.pass_context
def import_(ctx: click.Context, source: str | None, name: str | None, fmt: str, split: str,
            allow_unknown_evidence: bool, template: bool, as_json: bool) -> None:
    """Validate SOURCE and store it as a new version of dataset NAME (if its content changed).
    Every bad line is reported (up to 50, with its line and field) and then nothing is stored;
    evidence naming a document the corpus does not have is an error that suggests the nearest
    ids (`shipcall docs list` prints them).

    Example: shipcall dataset import questions.jsonl --name support   (start from: --template > questions.jsonl)
    """
    from shipcall.app.datasets import dataset_template, import_dataset

    if template:
        try:
            ws = workspace(ctx)
        except ShipcallError:  # outside a workspace: the template without real ids
            ws = None
        click.echo(dataset_template(ws), nl=False)
        return
    if source is None or name is None:
        raise click.UsageError("give SOURCE and --name NAME (or --template for an example file)")
    rep = import_dataset(workspace(ctx), source, name, fmt=fmt, split=split,
                         allow_unknown_evidence=allow_unknown_evidence)
    if as_json:
        emit_json(rep.to_dict())
        return
    for w in rep.warnings[:20]:
        click.echo(f"warning: {w}", err=True)
    if len(rep.warnings) > 20:
        click.echo(f"warning: … and {len(rep.warnings) - 20} more (see `shipcall dataset show`)", err=True)
    if rep.left_out:
        click.echo(f"left out {rep.left_out} queries with no judgement above 0 in qrels/{split}.tsv")
    verb = "stored" if rep.created else "unchanged: already stored as"
    click.echo(f"{verb} {rep.name}@{rep.version} ({rep.n_items} items)")


@cli.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List datasets and their versions.

    Example: shipcall dataset list
    """
    rows = workspace(ctx).store.dataset_versions()
    if as_json:
        emit_json([{k: r[k] for k in ("name", "version", "hash", "n_items", "created_at", "source")} for r in rows])
        return
    if not rows:
        click.echo("no datasets yet: shipcall dataset import FILE --name NAME")
    for r in rows:
        click.echo(f"{r['name']}@{r['version']}  {r['n_items']} items  {r['created_at'][:19]}  {r['source']}")


@cli.command("show")
@click.argument("ref")
@click.option("--by", "by", multiple=True, help="Count items per value of this tag (repeatable).")
@json_option
@click.pass_context
def show(ctx: click.Context, ref: str, by: tuple[str, ...], as_json: bool) -> None:
    """Show a dataset version: item counts, answerable share, counts per cohort.

    Example: shipcall dataset show sample --by topic
    """
    from shipcall.app.datasets import dataset_summary

    out = dataset_summary(workspace(ctx), ref, list(by))
    name, cohorts, meta = out["name"], out["cohorts"], out
    if as_json:
        emit_json(out)
        return
    click.echo(f"{name}@{out['version']}: {out['n_items']} items ({out['answerable']} answerable, "
               f"{out['with_evidence']} with evidence, {out['with_answers']} with gold answers)")
    for k, counts in cohorts.items():
        click.echo(f"  {k}: " + ", ".join(f"{v}={n}" for v, n in counts.items()))
    if meta["warnings"]:
        click.echo(f"  {len(meta['warnings'])} warnings, e.g. {meta['warnings'][0]}")


@cli.command("diff")
@click.argument("old")
@click.argument("new")
@json_option
@click.pass_context
def diff(ctx: click.Context, old: str, new: str, as_json: bool) -> None:
    """Added, removed and changed items between two versions.

    Example: shipcall dataset diff sample@1 sample@2
    """
    from shipcall.app.datasets import parse_ref
    from shipcall.core.datasets import diff_items

    ws = workspace(ctx)
    a, b = ws.store.load_dataset(*parse_ref(old)), ws.store.load_dataset(*parse_ref(new))
    d = diff_items(a.items, b.items)
    new_items = {it.id: it for it in b.items}
    sources = {i: new_items[i].source for i in d["added"] if new_items[i].source}  # e.g. promoted reviews
    if as_json:
        emit_json({"old": f"{a.name}@{a.version}", "new": f"{b.name}@{b.version}", **d, "sources": sources})
        return
    click.echo(f"{a.name}@{a.version} → {b.name}@{b.version}: {len(d['added'])} added, "
               f"{len(d['removed'])} removed, {len(d['changed'])} changed")
    for kind, sign in (("added", "+"), ("removed", "-"), ("changed", "~")):
        for i in d[kind]:
            src = sources.get(i) if kind == "added" else None
            origin = ""
            if src and src.get("kind") == "production":
                origin = (f"  (production {str(src.get('request_id', ''))[:12]}, {src.get('verdict')} by "
                          f"{src.get('reviewer')} at {str(src.get('reviewed_at', ''))[:19]})")
            click.echo(f"  {sign} {i}{origin}")


@cli.command("export")
@click.argument("ref")
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@click.pass_context
def export(ctx: click.Context, ref: str, out: str | None) -> None:
    """Write a dataset version as JSONL (one item a line).

    Example: shipcall dataset export sample@2 --out sample-v2.jsonl
    """
    from shipcall.app.datasets import parse_ref

    ds = workspace(ctx).store.load_dataset(*parse_ref(ref))
    lines = "".join(json.dumps(it.to_dict(), ensure_ascii=False) + "\n" for it in ds.items)
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(lines)
        click.echo(f"wrote {len(ds.items)} items to {out}", err=True)
    else:
        click.echo(lines, nl=False)


@cli.command("health")
@click.argument("ref")
@click.option("--by", "by", multiple=True, help="Cohort tag keys to size-check (default: the contract's).")
@click.option("--contract", "contract_path", type=click.Path(dir_okay=False), default=None)
@json_option
@click.pass_context
def health(ctx: click.Context, ref: str, by: tuple[str, ...], contract_path: str | None, as_json: bool) -> None:
    """Is it the system or the evaluation data? Gold answers missing from the corpus, evidence
    changed since the item was written, duplicates, items every run fails the same way
    (suspect gold), cohorts too small to trust, evidence naming unknown documents.

    Example: shipcall dataset health sample --by topic
    """
    from shipcall.app.datasets import parse_ref
    from shipcall.app.decisions import dataset_health

    ws = workspace(ctx)
    name, version = parse_ref(ref)
    rep = dataset_health(ws, name, version, ws.contract(contract_path), list(by) or None)
    if as_json:
        emit_json(rep.to_dict())
        return
    if not rep.findings:
        click.echo(f"{ref}: {rep.n_items} items, no findings")
        return
    click.echo(f"{ref}: {rep.n_items} items; " + ", ".join(f"{k} {v}" for k, v in rep.counts().items()))
    for f in rep.findings:
        click.echo(f"  {f.check:<20}{', '.join(f.items[:4]):<24} {f.detail}")
