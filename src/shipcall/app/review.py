"""The review loop over the production log: sample logged queries into the review queue, record
people's reviews, and promote reviewed queries into a new dataset version. The judgement rules
are in the pure core (core/review.py, core/cohorts.py); this module reads and writes the store.

Personal data: questions and answers are redacted when they are logged; review text (gold
answer, note, tag values) is redacted by the caller's `redact` before it is stored, so promoted
items carry no more personal data than the log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from shipcall.adapters.clock import now
from shipcall.adapters.store.reviews import QueueEntry, ReviewStore
from shipcall.app.workspace import Workspace
from shipcall.core.cohorts import Assignment, SimilarityIndex, assign_cohorts
from shipcall.core.datasets import Item, dataset_hash
from shipcall.core.metrics.answer import normalize_answer
from shipcall.core.production import ProductionLogEntry
from shipcall.core.review import (
    FLAGS,
    Candidate,
    Review,
    check_review,
    item_from_reviews,
    low_score_ids,
    sample_queue,
)
from shipcall.errors import ConfigError, NotFoundError

Redact = Callable[[str], str]


def default_dataset(ws: Workspace) -> str | None:
    """The dataset whose latest version was stored last, or None without datasets."""
    rows = ws.store.dataset_versions()
    return max(rows, key=lambda r: (r["created_at"], r["version"]))["name"] if rows else None


def dataset_items(ws: Workspace, name: str | None) -> list[Item]:
    return list(ws.store.load_dataset(name).items) if name else []


def cohort_keys(ws: Workspace, items: Sequence[Item], by: Sequence[str] | None = None) -> list[str]:
    """The tag keys to assign logged queries to: `by`, else the keys with rules in
    `production.cohorts` and the contract's cohorts that the dataset's items carry."""
    if by:
        return list(dict.fromkeys(by))

    rules = ws.config.production.cohorts
    tagged = {k for it in items for k in it.tags}
    keys = list(rules) + [k for k in ws.contract().cohorts if k in tagged]
    if not keys:  # no contract cohorts: the dataset's own tag keys, most used first
        counts = Counter(k for it in items for k in it.tags)
        keys = [k for k, _ in counts.most_common()]
    return list(dict.fromkeys(keys))


def assign(ws: Workspace, questions: Sequence[str], items: Sequence[Item], keys: Sequence[str],
           index: SimilarityIndex | None = None) -> list[Assignment]:
    cfg = ws.config.production
    return assign_cohorts(questions, items, keys, cfg.cohorts, min_similarity=cfg.similarity, index=index)


@dataclass
class SampleReport:
    batch: str
    strategy: str
    considered: int
    already_queued: int
    queued: list[dict[str, Any]]
    dataset: str | None
    keys: list[str]
    queue_total: int
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        reasons = Counter(r for q in self.queued for r in q["reasons"])
        strata = Counter(q["stratum"] for q in self.queued)
        return {"batch": self.batch, "strategy": self.strategy, "queued": len(self.queued),
                "considered": self.considered, "already_queued": self.already_queued,
                "queue_total": self.queue_total, "dataset": self.dataset, "cohort_keys": self.keys,
                "by_reason": dict(reasons.most_common()), "by_stratum": dict(sorted(strata.items())),
                "items": self.queued, "notes": self.notes}


def sample(ws: Workspace, n: int, *, strategy: str = "stratified", since: str | None = None, seed: int = 0,
           dataset: str | None = None) -> SampleReport:
    """Queue up to `n` logged queries not queued before (core/review.py has the rules)."""
    rs = ReviewStore(ws.store)
    entries = rs.log_entries(since=since)
    queued = rs.queued_ids()
    pool = [e for e in entries if e.request_id not in queued]
    name = dataset or default_dataset(ws)
    items = dataset_items(ws, name)
    keys = cohort_keys(ws, items)
    notes = []
    if not items:
        notes.append("no dataset to compare with: `unlike_dataset` and nearest-item cohorts are not used "
                     "(import one, or pass --dataset)")
    assignments = assign(ws, [e.question for e in pool], items, keys)
    low = low_score_ids({e.request_id: (e.variant, float(e.retrieved[0]["score"]) if e.retrieved else None)
                         for e in entries}, ws.config.production.low_score_quantile)
    candidates = []
    for e, a in zip(pool, assignments, strict=True):
        flags = []
        if any(f.rating == "down" for f in e.feedback):
            flags.append("negative_feedback")
        if e.abstained:
            flags.append("abstained")
        if e.request_id in low:
            flags.append("low_retrieval_score")
        if items and a.unlike:
            flags.append("unlike_dataset")
        label = next((f"{k}={a.tags[k]}" for k in keys if k in a.tags), "(no cohort)")
        candidates.append((Candidate(e.request_id, e.variant, label, tuple(flags)), a))
    by_id = {c.request_id: (c, a) for c, a in candidates}
    picked = sample_queue([c for c, _ in candidates], n, strategy=strategy, seed=seed)
    batch = "b" + now().replace("-", "").replace(":", "").replace(".", "")[:18]
    rows = []
    for q in picked:
        a = by_id[q.candidate.request_id][1]
        rows.append({"request_id": q.candidate.request_id, "batch": batch, "strategy": strategy,
                     "reasons": list(q.reasons), "stratum": q.candidate.stratum, "cohorts": a.tags,
                     "nearest_item": a.nearest_item, "similarity": round(a.similarity, 4)})
    rs.enqueue(rows)
    if not pool:
        notes.append("no logged query left to queue" + (" in that window" if since else "")
                     + ": serve the feature (`shipcall serve`) and ask questions first")
    total, _ = rs.queue_counts()
    return SampleReport(batch, strategy, len(pool), len(entries) - len(pool), rows, name, keys, total, notes)


def record(ws: Workspace, request_id: str, *, reviewer: str, verdict: str, failure_mode: str | None = None,
           gold_answer: str = "", evidence: Sequence[str] = (), tags: dict[str, str] | None = None,
           note: str = "", redact: Redact | None = None) -> Review:
    """Store (or revise) `reviewer`'s review of a logged query; text is redacted first."""
    rs = ReviewStore(ws.store)
    tags = dict(tags or {})
    check_review(verdict, failure_mode, reviewer, tags)
    rs.log_entry(request_id)  # NotFoundError for an unknown request id
    known = ws.store.document_hashes()
    unknown = [d for d in evidence if d not in known]
    if unknown:
        raise ConfigError(f"unknown document {unknown[0]!r}", field="evidence",
                          hint="evidence names document ids as `shipcall ask --json` cites them, e.g. hr/leave.md")
    red = redact or (lambda s: s)
    review = Review(request_id=request_id, reviewer=reviewer.strip(), verdict=verdict,  # type: ignore[arg-type]
                    failure_mode=failure_mode or None, gold_answer=red(gold_answer.strip()),
                    evidence=tuple(dict.fromkeys(d.strip() for d in evidence if d.strip())),
                    tags={k.strip(): red(str(v).strip()) for k, v in tags.items()}, note=red(note.strip()))
    return rs.save_review(review)


def queue(ws: Workspace, status: str = "all") -> list[QueueEntry]:
    entries = ReviewStore(ws.store).queue()
    if status == "pending":
        return [q for q in entries if not q.reviewed]
    if status == "reviewed":
        return [q for q in entries if q.reviewed]
    return entries


def queue_entry(ws: Workspace, request_id: str) -> QueueEntry | None:
    found = ReviewStore(ws.store).queue(request_ids=[request_id])
    return found[0] if found else None


@dataclass
class PromoteReport:
    dataset: str
    version: int | None
    created: bool
    promoted: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    previous_version: int | None
    n_items: int

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "version": self.version, "created": self.created,
                "previous_version": self.previous_version, "n_items": self.n_items,
                "promoted": self.promoted, "skipped": self.skipped}


def promote(ws: Workspace, dataset: str, *, since: str | None = None, dry_run: bool = False) -> PromoteReport:
    """Turn reviewed queries not yet promoted into `dataset`, and the drafts accepted for it
    (app/draft_review.py), into items of its next version.
    Skipped, with the reason: reviewers who disagree, reviews that cannot make an item (a wrong
    answer without gold answer or evidence), and questions the dataset already holds word for
    word (SQuAD-normalised text) — one item per question."""
    from shipcall.core.names import check_name

    if "@" in dataset:
        raise ConfigError(f"not a dataset name: {dataset!r}", field="--dataset", hint="name it without @VERSION")
    check_name(dataset, what="dataset", field="--dataset")
    rs = ReviewStore(ws.store)
    reviews = rs.reviews()
    by_query: dict[str, list[Review]] = {}
    for r in reviews:
        by_query.setdefault(r.request_id, []).append(r)
    done = rs.promoted(dataset)
    try:
        current = ws.store.load_dataset(dataset)
        items, prev = list(current.items), current.version
    except NotFoundError:
        items, prev = [], None
    have = {it.id for it in items}
    questions = {normalize_answer(it.question): it.id for it in items}  # the same question twice is one item
    entries: dict[str, ProductionLogEntry] = {e.request_id: e for e in rs.log_entries(ids=list(by_query))}
    queued = {q.request_id: q for q in rs.queue(request_ids=list(by_query))}
    promoted, skipped, new_items = [], [], []
    for rid, rvs in by_query.items():
        if rid in done:
            continue
        e = entries.get(rid)
        if e is None or (since and e.created_at < since):
            continue
        q = queued.get(rid)
        item, why = item_from_reviews(e.to_dict(), rvs, cohort_tags=q.cohorts if q else None)
        if item is None:
            skipped.append({"request_id": rid, "question": e.question, "reason": why})
            continue
        if item.id in have:
            skipped.append({"request_id": rid, "question": e.question, "reason": f"{item.id} is already in {dataset}"})
            continue
        same = questions.get(normalize_answer(item.question))
        if same is not None:
            skipped.append({"request_id": rid, "question": e.question,
                            "reason": f"the same question as item {same} (normalised text)"})
            continue
        new_items.append(item)
        have.add(item.id)
        questions[normalize_answer(item.question)] = item.id
        promoted.append({"request_id": rid, "item_id": item.id, "question": item.question,
                         "answerable": item.answerable, "verdict": item.source.get("verdict"),
                         "reviewer": item.source.get("reviewer"), "tags": item.tags})
    from shipcall.app.draft_review import mark_promoted, promotable

    n_logged = len(new_items)
    drafted, drafted_rows, drafted_skipped = promotable(ws, dataset, have, questions)  # accepted drafts
    new_items += drafted
    promoted += drafted_rows
    skipped += drafted_skipped
    if not new_items or dry_run:
        return PromoteReport(dataset, prev, False, promoted, skipped, prev, len(items) + len(new_items))
    all_items = items + new_items
    what = [f"{n} reviewed production queries" for n in [n_logged] if n] + [
        f"{n} accepted drafts" for n in [len(drafted)] if n]
    version, created = ws.store.save_dataset(
        dataset, all_items, dataset_hash(all_items),
        source=f"shipcall review promote: {' and '.join(what)}" + (f" added to {dataset}@{prev}" if prev else ""),
        warnings=[])
    rs.record_promotions(dataset, version, [(str(p["request_id"]), str(p["item_id"])) for p in promoted
                                            if p.get("kind") != "draft"])
    mark_promoted(ws, [p["draft_id"] for p in drafted_rows], version)
    return PromoteReport(dataset, version, created, promoted, skipped, prev, len(all_items))


def reason_text(reason: str) -> str:
    return FLAGS.get(reason, {"spread": "spreads the sample over variants and cohorts",
                              "random": "drawn at random"}.get(reason, reason))
