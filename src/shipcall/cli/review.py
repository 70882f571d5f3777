"""`shipcall review …`: sample logged queries into the review queue, list and show it, record
reviews, and promote reviewed queries into a new dataset version."""

from __future__ import annotations

from typing import Any

import click

from shipcall.cli._common import emit_json, json_option, workspace


@click.group("review")
def cli() -> None:
    """The review queue: logged queries judged by a person (in /ui/review of `shipcall serve`,
    or here), then promoted into the evaluation dataset.

    Example: shipcall review sample --n 50 && shipcall serve   # then open /ui/review
    """


def redactor(ws: Any) -> Any:
    """The workspace's redaction as a str → str function (needs the `server` extra)."""
    from shipcall.errors import MissingExtraError

    try:
        from shipcall.app.redact import Redactor
    except ImportError:
        raise MissingExtraError("recording reviews redacts personal data, which needs the `server` extra",
                                hint='pip install -e ".[server]"') from None
    r = Redactor(ws.config.redaction)
    return lambda text: r.redact(text).text


@cli.command("sample")
@click.option("--n", "n", type=click.IntRange(1, 100_000), default=50, show_default=True,
              help="How many logged queries to queue.")
@click.option("--strategy", type=click.Choice(["stratified", "random"]), default="stratified", show_default=True,
              help="stratified: flagged queries first, spread over variants and cohorts; random: a simple sample.")
@click.option("--since", default=None, help="Only queries logged since: 30m, 2h, 7d, a date or an ISO time (UTC).")
@click.option("--dataset", default=None, help="Dataset to compare with (default: the latest stored).")
@click.option("--seed", type=int, default=0, show_default=True)
@json_option
@click.pass_context
def sample(ctx: click.Context, n: int, strategy: str, since: str | None, dataset: str | None, seed: int,
           as_json: bool) -> None:
    """Queue up to N logged queries for review, none twice: negative feedback, abstentions, low
    retrieval scores and queries unlike any dataset item first, spread across variants and cohorts.

    Example: shipcall review sample --n 50 --since 7d
    """
    from shipcall.adapters.store.production_log import parse_since
    from shipcall.app.review import reason_text
    from shipcall.app.review import sample as do_sample

    rep = do_sample(workspace(ctx), n, strategy=strategy, since=parse_since(since, field="--since"), seed=seed,
                    dataset=dataset)
    d = rep.to_dict()
    if as_json:
        emit_json(d)
        return
    for note in rep.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"queued {len(rep.queued)} of {rep.considered} logged queries not queued before ({rep.strategy}); "
               f"the queue holds {rep.queue_total}")
    for reason, k in d["by_reason"].items():
        click.echo(f"  {k:>4}  {reason:<20} {reason_text(reason)}")
    if d["by_stratum"]:
        click.echo("  strata: " + ", ".join(f"{s} ({k})" for s, k in d["by_stratum"].items()))
    click.echo("review them at /ui/review (shipcall serve), or: shipcall review list", err=True)


@cli.command("list")
@click.option("--status", type=click.Choice(["all", "pending", "reviewed"]), default="all", show_default=True)
@json_option
@click.pass_context
def list_(ctx: click.Context, status: str, as_json: bool) -> None:
    """The review queue in order with progress, and the agreement between first and second
    reviewers (Cohen's kappa).

    Example: shipcall review list --status pending
    """
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.review import queue
    from shipcall.core.review import agreement

    ws = workspace(ctx)
    entries = queue(ws, status)
    total, done = ReviewStore(ws.store).queue_counts()
    agree = agreement(ReviewStore(ws.store).reviews())
    if as_json:
        emit_json({"status": status, "queued": total, "reviewed": done, "agreement": agree,
                   "items": [q.to_dict(with_reviews=True) for q in entries]})
        return
    if not total:
        click.echo("the review queue is empty: shipcall review sample --n 50")
        return
    click.echo(f"{done} of {total} queued queries reviewed")
    for q in entries:
        verdicts = ",".join(r.verdict for r in q.reviews) or "pending"
        click.echo(f"  #{q.position:<4} {q.request_id[:12]}  {q.entry.variant:<10} {verdicts:<16} "
                   f"{_short(q.entry.question, 60):<60}  {','.join(q.reasons)}")
    if agree["pairs"]:
        click.echo(f"agreement: {agree['pairs']} queries with two reviewers, observed {agree['observed']:.0%}, "
                   f"Cohen's kappa {agree['kappa']:.2f}")


@cli.command("show")
@click.argument("request_id")
@json_option
@click.pass_context
def show(ctx: click.Context, request_id: str, as_json: bool) -> None:
    """One logged query: question, answer, citations, feedback, why it was queued, its reviews.

    Example: shipcall review show 3f2a9c1e…
    """
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.review import queue_entry

    ws = workspace(ctx)
    request_id = ProductionLog(ws.store).resolve(request_id)  # any unique prefix, as printed by `review list`
    q = queue_entry(ws, request_id)
    rs = ReviewStore(ws.store)
    if q is None:
        entry = rs.log_entry(request_id)
        d: dict[str, Any] = {"queued": False, "entry": entry.to_dict(),
                             "reviews": [r.to_dict() for r in rs.reviews(request_ids=[request_id])]}
    else:
        d = {"queued": True, **q.to_dict()}
    if as_json:
        emit_json(d)
        return
    e = d["entry"]
    click.echo(f"request {e['request_id']} ({e['variant']}, {e['arm']}, {e['created_at'][:19]})")
    click.echo(f"question: {e['question']}")
    click.echo(f"answer:   {'(abstained)' if e['abstained'] else e['answer']}")
    for c in e["citations"]:
        click.echo(f"  cites {c['doc_id']}")
    for f in e["feedback"]:
        click.echo(f"feedback: {f['rating']} {f['comment']}")
    if d.get("queued"):
        click.echo(f"queued: #{d['position']} for {', '.join(d['reasons'])}; cohorts {d['cohorts'] or '-'}")
    for r in d["reviews"]:
        extra = "".join(f"; {k} {r[k]}" for k in ("failure_mode", "gold_answer") if r[k])
        click.echo(f"review {r['rank']} by {r['reviewer']} at {r['updated_at'][:19]}: {r['verdict']}{extra}")


@cli.command("record")
@click.argument("request_id")
@click.option("--verdict", required=True, type=click.Choice(["correct", "incorrect", "should_abstain"]))
@click.option("--failure-mode", default=None, help="One of the failure modes of `shipcall failures`.")
@click.option("--gold", "gold", default="", help="The right answer (redacted before it is stored).")
@click.option("--evidence", multiple=True, help="A document id that answers the question (repeatable).")
@click.option("--tag", "tags", multiple=True, help="key=value (repeatable; default: the cohorts assigned at sampling).")
@click.option("--note", default="", help="Free text (redacted).")
@click.option("--reviewer", default=None, help="Who reviews (default: $SHIPCALL_AUTHOR or $USER).")
@json_option
@click.pass_context
def record(ctx: click.Context, request_id: str, verdict: str, failure_mode: str | None, gold: str,
           evidence: tuple[str, ...], tags: tuple[str, ...], note: str, reviewer: str | None, as_json: bool) -> None:
    """Record (or revise) a review of a logged query; a second reviewer is recorded as such.

    Example: shipcall review record 3f2a9c1e… --verdict incorrect --gold "25 days" --evidence hr/leave.md
    """
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.app.decisions import author
    from shipcall.app.review import queue_entry
    from shipcall.app.review import record as do_record
    from shipcall.core.review import parse_tags

    ws = workspace(ctx)
    request_id = ProductionLog(ws.store).resolve(request_id)  # any unique prefix, as printed by `review list`
    parsed = parse_tags(",".join(tags)) if tags else None
    if parsed is None:
        q = queue_entry(ws, request_id)
        parsed = dict(q.cohorts) if q else {}
    r = do_record(ws, request_id, reviewer=reviewer or author(), verdict=verdict, failure_mode=failure_mode,
                  gold_answer=gold, evidence=evidence, tags=parsed, note=note, redact=redactor(ws))
    if as_json:
        emit_json(r.to_dict())
        return
    click.echo(f"recorded: {r.verdict} by {r.reviewer} (reviewer {r.rank} of this query)")


@cli.command("promote")
@click.option("--dataset", required=True, help="Dataset to add the reviewed queries to (a new version).")
@click.option("--since", default=None, help="Only queries logged since: 7d, a date or an ISO time (UTC).")
@click.option("--dry-run", is_flag=True, help="Show what would be promoted; store nothing.")
@json_option
@click.pass_context
def promote(ctx: click.Context, dataset: str, since: str | None, dry_run: bool, as_json: bool) -> None:
    """Turn reviewed queries into items of a new version of DATASET, with provenance
    (source: production, request id, reviewer, time). `shipcall dataset diff` shows them.

    Example: shipcall review promote --dataset sample && shipcall dataset diff sample@1 sample@2
    """
    from shipcall.adapters.store.production_log import parse_since
    from shipcall.app.review import promote as do_promote

    rep = do_promote(workspace(ctx), dataset, since=parse_since(since, field="--since"), dry_run=dry_run)
    if as_json:
        emit_json(rep.to_dict() | {"dry_run": dry_run})
        return
    if rep.created:
        was = f"{dataset}@{rep.previous_version}" if rep.previous_version else "a new dataset"
        click.echo(f"stored {dataset}@{rep.version}: {len(rep.promoted)} reviewed production queries added to {was} "
                   f"({rep.n_items} items)")
    elif rep.promoted:
        click.echo(f"would add {len(rep.promoted)} reviewed production queries to {dataset} (dry run)")
    else:
        click.echo(f"nothing to promote into {dataset}: no reviewed query that is not already in it")
    for p in rep.promoted:
        kind = "answerable" if p["answerable"] else "unanswerable"
        click.echo(f"  + {p['item_id']}  {kind:<12} {p['verdict']:<15} by {p['reviewer']}: {_short(p['question'], 60)}")
    for s in rep.skipped:
        click.echo(f"  skipped {s['request_id'][:12]}: {s['reason']}", err=True)
    if rep.created and rep.previous_version:
        click.echo(f"see: shipcall dataset diff {dataset}@{rep.previous_version} {dataset}@{rep.version}", err=True)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
