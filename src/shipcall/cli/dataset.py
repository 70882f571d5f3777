"""`shipcall dataset …`: import, list, show, diff, export, check, draft and cover evaluation datasets."""

from __future__ import annotations

import json

import click

from shipcall.cli._common import emit_json, json_option, workspace, write_output
from shipcall.errors import ShipcallError


@click.group("dataset")
def cli() -> None:
    """Versioned evaluation datasets: a new version whenever the items change.

    Example: shipcall dataset import questions.jsonl --name support
    """


@cli.command("import")
@click.argument("source", type=click.Path(), required=False)
@click.option("--name", default=None, help="Dataset name (required unless --template).")
@click.option("--task", "task", type=click.Choice(["rag", "classify", "summarize"]), default="rag",
              show_default=True, help="The items' task type: questions (rag), labelled texts (classify) or texts "
                                      "with reference summaries (summarize).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "beir", "csv"]), default="jsonl",
              help="jsonl: one item a line (default); beir: a BEIR folder (queries.jsonl + qrels/); csv: a CSV "
                   "file with a header row (classify).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split (qrels/<split>.tsv).")
@click.option("--text-column", default="text", show_default=True, help="CSV: the column with the text.")
@click.option("--label-column", default="label", show_default=True, help="CSV: the column with the label.")
@click.option("--id-column", default=None, help="CSV: the column with item ids (default: row-N, N the data row).")
@click.option("--tag-column", "tag_columns", multiple=True,
              help="CSV: a column that becomes a tag of the same name, i.e. a cohort (repeatable).")
@click.option("--labels", "labels_file", type=click.Path(dir_okay=False), default=None,
              help="classify: the label set, one label a line (default: the labels the items use).")
@click.option("--allow-unknown-evidence", is_flag=True,
              help="Store items whose evidence names documents the corpus does not have (a warning, not an error).")
@click.option("--template", is_flag=True, help="Print a commented example dataset file and exit.")
@json_option
@click.pass_context
def import_(ctx: click.Context, source: str | None, name: str | None, task: str, fmt: str, split: str,
            text_column: str, label_column: str, id_column: str | None, tag_columns: tuple[str, ...],
            labels_file: str | None, allow_unknown_evidence: bool, template: bool, as_json: bool) -> None:
    """Validate SOURCE and store it as a new version of dataset NAME (if its content changed).
    Items are checked for their task; every bad line is reported (up to 50, with its line and
    field) and then nothing is stored; evidence naming a document the corpus does not have is an
    error that suggests the nearest ids (`shipcall docs list` prints them).

    Example: shipcall dataset import questions.jsonl --name support   (start from: --template > questions.jsonl)
    """
    from shipcall.app.datasets import CsvColumns, dataset_template, import_dataset

    if template:
        try:
            ws = workspace(ctx)
        except ShipcallError:  # outside a workspace: the template without real ids
            ws = None
        click.echo(dataset_template(ws), nl=False)
        return
    if source is None or name is None:
        raise click.UsageError("give SOURCE and --name NAME (or --template for an example file)")
    columns = CsvColumns(text=text_column, label=label_column, id=id_column, tags=tuple(tag_columns))
    rep = import_dataset(workspace(ctx), source, name, fmt=fmt, split=split, task=task, columns=columns,
                         labels_file=labels_file, allow_unknown_evidence=allow_unknown_evidence)
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
    what = f"{rep.n_items} {rep.task} items" + (f", {len(rep.labels)} labels" if rep.task == "classify" else "")
    click.echo(f"{verb} {rep.name}@{rep.version} ({what})")
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)


@cli.command("list")
@json_option
@click.pass_context
def list_(ctx: click.Context, as_json: bool) -> None:
    """List datasets and their versions.

    Example: shipcall dataset list
    """
    rows = workspace(ctx).store.dataset_versions()
    if as_json:
        emit_json([{k: r[k] for k in ("name", "version", "task", "hash", "n_items", "created_at", "source")}
                   for r in rows])
        return
    if not rows:
        click.echo("no datasets yet: shipcall dataset import FILE --name NAME")
    for r in rows:
        click.echo(f"{r['name']}@{r['version']}  {r['n_items']} {r['task']} items  {r['created_at'][:19]}  "
                   f"{r['source']}")


@cli.command("show")
@click.argument("ref")
@click.option("--by", "by", multiple=True, help="Count items per value of this tag (repeatable).")
@json_option
@click.pass_context
def show(ctx: click.Context, ref: str, by: tuple[str, ...], as_json: bool) -> None:
    """Show a dataset version: item counts, counts per cohort, and per task the answerable share
    (rag), the label counts (classify) or the text lengths (summarize).

    Example: shipcall dataset show sample --by topic
    """
    from shipcall.app.datasets import dataset_summary

    out = dataset_summary(workspace(ctx), ref, list(by))
    name, cohorts, meta, unreviewed = out["name"], out["cohorts"], out, out["unreviewed"]
    if as_json:
        emit_json(out)
        return
    if out["task"] == "classify":
        labels = out["labels"]
        click.echo(f"{name}@{out['version']}: {out['n_items']} classify items, {len(labels)} labels")
        click.echo("  labels: " + ", ".join(f"{k}={n}" for k, n in sorted(labels.items(), key=lambda kv: -kv[1])))
    elif out["task"] == "summarize":
        click.echo(f"{name}@{out['version']}: {out['n_items']} summarize items, {out['text_words_mean']:.0f} words "
                   f"on average, {out['with_key_points']} with key points")
    else:
        click.echo(f"{name}@{out['version']}: {out['n_items']} items ({out['answerable']} answerable, "
                   f"{out['with_evidence']} with evidence, {out['with_answers']} with gold answers)")
    if unreviewed:
        click.echo(f"  {unreviewed} of {out['n_items']} items nobody has reviewed (drafted with --accept): "
                   f"treat results on them as provisional")
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
        write_output(out, lines, field="--out")
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


@cli.command("draft")
@click.option("--name", required=True, help="Dataset the drafts are for (a new version with --accept).")
@click.option("--n", "n", type=click.IntRange(1, 100_000), default=100, show_default=True, help="How many drafts.")
@click.option("--kinds", default="factoid,paraphrase,multi_hop,unanswerable", show_default=True,
              help="Comma-separated kinds of draft.")
@click.option("--generator", default="extractive", show_default=True,
              help="extractive (offline rules) or a variant with an LLM generator (openai/anthropic).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same corpus: same drafts.")
@click.option("--accept", is_flag=True,
              help="Store the drafts now as a new version of NAME, marked `reviewed: false` (no review).")
@click.option("--prompt", "prompt", type=click.Path(dir_okay=False), default=None,
              help="Jinja2 drafting prompt for an LLM generator (default: the built-in draft.md.j2).")
@json_option
@click.pass_context
def draft(ctx: click.Context, name: str, n: int, kinds: str, generator: str, seed: int, accept: bool,
          prompt: str | None, as_json: bool) -> None:
    """Draft candidate items from the corpus: questions with their gold answer and evidence
    document, for a person to accept, edit or reject in the review queue (`shipcall review list
    --kind draft`, or /ui/review of `shipcall serve`). Offline by default (rules over the
    documents' sentences and tables); an LLM variant drafts better ones.

    Example: shipcall dataset draft --name support --n 100 && shipcall review list --kind draft
    """
    from shipcall.app.drafting import draft as do_draft

    rep = do_draft(workspace(ctx), name=name, n=n, kinds=kinds, generator=generator, seed=seed, accept=accept,
                   prompt=prompt)
    if as_json:
        emit_json(rep.to_dict())
        return
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)
    kinds_text = ", ".join(f"{v} {k}" for k, v in rep.to_dict()["by_kind"].items())
    dropped = ", ".join(f"{v} {k}" for k, v in rep.dropped.items()) or "none"
    click.echo(f"drafted {len(rep.drafts)} items for {name} with {rep.generator} ({kinds_text}); dropped: {dropped}")
    if rep.version is not None:
        click.echo(f"stored {name}@{rep.version}, every drafted item marked reviewed: false "
                   f"(`shipcall dataset show {name}` counts them)")
    elif rep.drafts:
        click.echo(f"queued {rep.queued} drafts for review: shipcall review list --kind draft "
                   f"(or /ui/review), then shipcall review promote --dataset {name}")


@cli.command("coverage")
@click.argument("ref")
@json_option
@click.pass_context
def coverage(ctx: click.Context, ref: str, as_json: bool) -> None:
    """What a dataset covers: documents and headings with at least one item's evidence, the
    largest uncovered documents, items per topic folder against the corpus, items whose
    evidence is gone, and (with a production log) the logged questions no item is near.

    Example: shipcall dataset coverage support@2
    """
    from shipcall.app.coverage import dataset_coverage
    from shipcall.app.datasets import parse_ref

    rep = dataset_coverage(workspace(ctx), *parse_ref(ref))
    d = rep.to_dict()
    if as_json:
        emit_json(d)
        return
    click.echo(f"{rep.dataset}: {rep.items} items cover {rep.covered_documents} of {rep.documents} documents "
               f"({rep.share:.0%}) and {d['headings']['covered']} of {d['headings']['total']} headings "
               f"({d['headings']['share']:.0%})")
    if rep.uncovered:
        click.echo(f"largest uncovered documents ({rep.uncovered_total} in all):")
        for u in rep.uncovered[:10]:
            click.echo(f"  {u['chunks']:>5} chunks  {u['doc_id']}")
    click.echo(f"  {'topic':<24}{'items':>7}{'share':>8}{'corpus':>8}  covered documents")
    for t, v in rep.by_topic.items():
        click.echo(f"  {t:<24}{v['items']:>7}{v['item_share']:>8.0%}{v['corpus_share']:>8.0%}  "
                   f"{v['covered_documents']} of {v['documents']}")
    if rep.missing_evidence:
        click.echo(f"{len(rep.missing_evidence)} items name evidence the corpus no longer has, e.g. "
                   f"{rep.missing_evidence[0]['item_id']}: {', '.join(rep.missing_evidence[0]['doc_ids'])}")
    p = rep.production
    if p:
        click.echo(f"production: {p['far']} of {p['questions']} logged questions ({p['far_share']:.0%}) have no "
                   f"item near them")
        for c, v in list(p["by_cohort"].items())[:10]:
            click.echo(f"  {c:<30} {v['far']} of {v['questions']} far ({v['far_share']:.0%})")
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)
