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
@click.option("--strategy", type=click.Choice(["stratified", "random", "monitor"]), default="stratified",
              show_default=True,
              help="stratified: flagged queries first, spread over variants and cohorts (failure hunting); random: "
                   "a simple sample; monitor: the same number per variant, uniform within each (what `shipcall "
                   "monitor` measures wrong answers on).")
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
@click.option("--kind", "kind", type=click.Choice(["all", "draft", "logged"]), default="all", show_default=True,
              help="draft: items drafted from the corpus (`dataset draft`); logged: production queries.")
@json_option
@click.pass_context
def list_(ctx: click.Context, status: str, kind: str, as_json: bool) -> None:
    """The review queue in order with progress: logged queries and drafted items, and the
    agreement between first and second reviewers of logged queries (Cohen's kappa).

    Example: shipcall review list --status pending --kind draft
    """
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.draft_review import drafts
    from shipcall.app.review import queue
    from shipcall.core.review import agreement

    ws = workspace(ctx)
    entries = queue(ws, status) if kind in ("all", "logged") else []
    drafted = drafts(ws, status) if kind in ("all", "draft") else []
    total, done = ReviewStore(ws.store).queue_counts() if kind in ("all", "logged") else (0, 0)
    all_drafts = drafts(ws) if kind in ("all", "draft") else []
    total += len(all_drafts)
    done += sum(q.reviewed for q in all_drafts)
    agree = agreement(ReviewStore(ws.store).reviews())
    if as_json:
        emit_json({"status": status, "kind": kind, "queued": total, "reviewed": done, "agreement": agree,
                   "items": [{"kind": "logged", **q.to_dict(with_reviews=True)} for q in entries]
                   + [q.to_dict() for q in drafted]})
        return
    if not total:
        click.echo("the review queue is empty: shipcall review sample --n 50, or shipcall dataset draft --name NAME")
        return
    what = {"draft": "drafts", "logged": "queries"}.get(kind, "entries")
    click.echo(f"{done} of {total} queued {what} reviewed")
    for q in entries:
        verdicts = ",".join(r.verdict for r in q.reviews) or "pending"
        click.echo(f"  #{q.position:<4} {q.request_id[:12]}  {q.entry.variant:<10} {verdicts:<16} "
                   f"{_short(q.entry.question, 60):<60}  {','.join(q.reasons)}")
    for d in drafted:
        click.echo(f"  {d.draft.draft_id}  {d.draft.kind:<12} {d.verdict or 'pending':<9} "
                   f"{_short(d.draft.question, 60):<60}  → {d.dataset}"
                   + (f" (promoted @{d.promoted_version})" if d.promoted_version else ""))
    if agree["pairs"]:
        click.echo(f"agreement: {agree['pairs']} queries with two reviewers, observed {agree['observed']:.0%}, "
                   "Cohen's kappa " + ("undefined (both reviewers always gave the same single verdict)"
                                       if agree['kappa'] is None else f"{agree['kappa']:.2f}"))


@cli.command("show")
@click.argument("request_id")
@json_option
@click.pass_context
def show(ctx: click.Context, request_id: str, as_json: bool) -> None:
    """One logged query (question, answer, citations, feedback, why it was queued, its reviews)
    or one draft (question, gold, evidence, the passage it came from, its review).

    Example: shipcall review show 3f2a9c1e…
    """
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.adapters.store.reviews import ReviewStore
    from shipcall.app.review import queue_entry

    ws = workspace(ctx)
    from shipcall.app.draft_review import is_draft_id

    if is_draft_id(request_id):
        _show_draft(ws, request_id, as_json)
        return
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


def _show_draft(ws: Any, draft_id: str, as_json: bool) -> None:
    from shipcall.adapters.store.drafts import DraftStore

    q = DraftStore(ws.store).get(draft_id)
    d = q.to_dict()
    if as_json:
        emit_json(d)
        return
    dr = q.draft
    click.echo(f"draft {dr.draft_id} ({dr.kind}, {dr.tags.get('generator')}, for {q.dataset})")
    click.echo(f"question: {dr.question}")
    click.echo(f"gold:     {'; '.join(dr.answers) if dr.answerable else '(abstain: the corpus does not answer it)'}")
    click.echo(f"evidence: {', '.join(dr.evidence) or '-'}")
    for p in dr.source.get("passages", []):
        doc = ws.store.document(p["doc_id"])
        if doc is not None:
            click.echo(f"  from {p['doc_id']}: {_short(doc.text[p['start']:p['end']], 300)}")
    if q.reviewed:
        edited = f"; edited {', '.join(sorted(q.edits))}" if q.edits else ""
        click.echo(f"review by {q.reviewer} at {str(q.reviewed_at)[:19]}: {q.verdict}{edited}")


@cli.command("record")
@click.argument("request_id")
@click.option("--verdict", required=True,
              type=click.Choice(["correct", "incorrect", "should_abstain", "accept", "reject"]),
              help="A logged query: correct, incorrect or should_abstain. A draft: accept or reject.")
@click.option("--failure-mode", default=None, help="One of the failure modes of `shipcall failures`.")
@click.option("--question", default=None, help="A draft: the question as it should read (an edit).")
@click.option("--gold", "gold", default="", help="The right answer (redacted before it is stored).")
@click.option("--evidence", multiple=True, help="A document id that answers the question (repeatable).")
@click.option("--tag", "tags", multiple=True, help="key=value (repeatable; default: the cohorts assigned at sampling).")
@click.option("--note", default="", help="Free text (redacted).")
@click.option("--reviewer", default=None, help="Who reviews (default: $SHIPCALL_AUTHOR or $USER).")
@json_option
@click.pass_context
def record(ctx: click.Context, request_id: str, verdict: str, failure_mode: str | None, question: str | None,
           gold: str, evidence: tuple[str, ...], tags: tuple[str, ...], note: str, reviewer: str | None,
           as_json: bool) -> None:
    """Record (or revise) a review: of a logged query (a second reviewer is recorded as such), or
    of a draft (accept or reject it, editing its question, gold answer, evidence or tags).

    Example: shipcall review record draft-3f2a9c1e0b --verdict accept --gold "25 working days"
    """
    from shipcall.adapters.store.production_log import ProductionLog
    from shipcall.app.decisions import author
    from shipcall.app.draft_review import is_draft_id
    from shipcall.app.review import queue_entry
    from shipcall.app.review import record as do_record
    from shipcall.core.review import parse_tags
    from shipcall.errors import ConfigError

    ws = workspace(ctx)
    parsed = parse_tags(",".join(tags)) if tags else None
    if is_draft_id(request_id):
        from shipcall.app.draft_review import record as record_draft

        if verdict not in ("accept", "reject"):
            raise ConfigError(f"a draft is accepted or rejected, not {verdict!r}", field="--verdict",
                              hint="--verdict accept|reject")
        q = record_draft(ws, request_id, reviewer=reviewer or author(), verdict=verdict, question=question,
                         gold=gold or None, evidence=evidence, tags=parsed, note=note, redact=redactor(ws))
        if as_json:
            emit_json(q.to_dict())
            return
        edited = f", edited {', '.join(sorted(q.edits))}" if q.edits else ""
        click.echo(f"recorded: {q.verdict} by {q.reviewer}{edited}; "
                   f"shipcall review promote --dataset {q.dataset} adds the accepted drafts")
        return
    if verdict in ("accept", "reject"):
        raise ConfigError(f"{verdict!r} is a verdict for drafts; a logged query is correct, incorrect or "
                          f"should_abstain", field="--verdict", hint="draft ids start with draft-")
    if question is not None:
        raise ConfigError("--question edits a draft; a logged query keeps the question its user asked",
                          field="--question")
    request_id = ProductionLog(ws.store).resolve(request_id)  # any unique prefix, as printed by `review list`
    if parsed is None:
        queued = queue_entry(ws, request_id)
        parsed = dict(queued.cohorts) if queued else {}
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
    """Turn reviewed queries, and the drafts accepted for DATASET, into items of a new version,
    with provenance (production: request id, reviewer, time; drafted: generator, rule, passage,
    accepted by, edited or not). `shipcall dataset diff` shows them.

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
        click.echo(f"stored {dataset}@{rep.version}: {_what(rep.promoted)} added to {was} ({rep.n_items} items)")
    elif rep.promoted:
        click.echo(f"would add {_what(rep.promoted)} to {dataset} (dry run)")
    else:
        click.echo(f"nothing to promote into {dataset}: no reviewed query or accepted draft that is not already in it")
    for p in rep.promoted:
        kind = "answerable" if p["answerable"] else "unanswerable"
        what = f"{p['verdict']}{' (edited)' if p.get('edited') else ''}"
        click.echo(f"  + {p['item_id']}  {kind:<12} {what:<15} by {p['reviewer']}: {_short(p['question'], 60)}")
    for s in rep.skipped:
        click.echo(f"  skipped {s['request_id'][:16]}: {s['reason']}", err=True)
    if rep.created and rep.previous_version:
        click.echo(f"see: shipcall dataset diff {dataset}@{rep.previous_version} {dataset}@{rep.version}", err=True)


def _what(promoted: list[dict[str, Any]]) -> str:
    drafts = sum(p.get("kind") == "draft" for p in promoted)
    logged = len(promoted) - drafts
    parts = [f"{logged} reviewed production queries" for _ in [0] if logged] + [
        f"{drafts} accepted drafts" for _ in [0] if drafts]
    return " and ".join(parts)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
