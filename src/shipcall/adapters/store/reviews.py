"""The review queue, reviews and promotions in the store (tables of migration m004), and the
reads of the production log that review, drift and monitoring need (every row in a window,
not only the newest page)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from shipcall.adapters.clock import now
from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import select_in
from shipcall.adapters.store.production_log import ProductionLog
from shipcall.core.production import ProductionLogEntry
from shipcall.core.review import Review
from shipcall.errors import NotFoundError, StoreError

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store


@dataclass
class QueueEntry:
    """One queued query: why it was queued, the logged entry, and its reviews so far."""

    position: int
    request_id: str
    batch: str
    strategy: str
    reasons: list[str]
    stratum: str
    cohorts: dict[str, str]
    nearest_item: str | None
    similarity: float | None
    queued_at: str
    entry: ProductionLogEntry
    reviews: list[Review] = field(default_factory=list)

    @property
    def reviewed(self) -> bool:
        return bool(self.reviews)

    def to_dict(self, *, with_reviews: bool = True) -> dict[str, Any]:
        d = {"position": self.position, "request_id": self.request_id, "batch": self.batch,
             "strategy": self.strategy, "reasons": self.reasons, "stratum": self.stratum, "cohorts": self.cohorts,
             "nearest_item": self.nearest_item, "similarity": self.similarity, "queued_at": self.queued_at,
             "reviewed": self.reviewed, "n_reviews": len(self.reviews), "entry": self.entry.to_dict()}
        if with_reviews:
            d["reviews"] = [r.to_dict() for r in self.reviews]
        return d


def _review(r: Any) -> Review:
    return Review(request_id=r.request_id, reviewer=r.reviewer, verdict=r.verdict, failure_mode=r.failure_mode,
                  gold_answer=r.gold_answer, evidence=tuple(json.loads(r.evidence)), tags=json.loads(r.tags),
                  note=r.note, created_at=r.created_at, updated_at=r.updated_at, rank=r.rank)


class ReviewStore:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine
        self.log = ProductionLog(store)

    # -- the production log, read in full -------------------------------------------------
    def log_entries(self, *, since: str | None = None, ids: Iterable[str] | None = None) -> list[ProductionLogEntry]:
        """Logged queries, oldest first, with their feedback: all since `since`, or those `ids`."""
        return self.log.entries(limit=None, since=since, ids=ids, oldest_first=True)

    def log_entry(self, request_id: str) -> ProductionLogEntry:
        found = self.log_entries(ids=[request_id])
        if not found:
            raise NotFoundError(f"no logged query with request_id {request_id!r}", field="request_id",
                                hint="`shipcall review list` shows the queued queries")
        return found[0]

    # -- queue ------------------------------------------------------------------------------
    def queued_ids(self) -> set[str]:
        t = schema.review_queue
        with self.engine.connect() as c:
            return {r[0] for r in c.execute(select(t.c.request_id))}

    def enqueue(self, rows: Sequence[dict[str, Any]]) -> int:
        """Add rows (request_id, batch, strategy, reasons, stratum, cohorts, nearest_item,
        similarity) in order; a query already queued is skipped. Returns how many were added."""
        t = schema.review_queue
        stamp = now()
        added = 0
        with self.engine.begin() as c:
            have = {r.request_id for r in select_in(c, select(t.c.request_id), t.c.request_id,
                                                    [r["request_id"] for r in rows])}
            for r in rows:
                if r["request_id"] in have:
                    continue
                c.execute(insert(t).values(
                    request_id=r["request_id"], batch=r["batch"], strategy=r["strategy"],
                    reasons=json.dumps(list(r.get("reasons", []))), stratum=r.get("stratum", ""),
                    cohorts=json.dumps(r.get("cohorts", {})), nearest_item=r.get("nearest_item"),
                    similarity=r.get("similarity"), queued_at=stamp))
                have.add(r["request_id"])
                added += 1
        return added

    def queue(self, *, request_ids: Iterable[str] | None = None) -> list[QueueEntry]:
        """The queue in order, each with its logged entry and reviews."""
        t = schema.review_queue
        q = select(t).order_by(t.c.id)
        with self.engine.connect() as c:
            rows = list(c.execute(q))
        if request_ids is not None:
            wanted = set(request_ids)
            rows = [r for r in rows if r.request_id in wanted]
        entries = {e.request_id: e for e in self.log_entries(ids=[r.request_id for r in rows])}
        reviews: dict[str, list[Review]] = {}
        for rv in self.reviews(request_ids=[r.request_id for r in rows]):
            reviews.setdefault(rv.request_id, []).append(rv)
        out = []
        for r in rows:
            e = entries.get(r.request_id)
            if e is None:  # the log row is gone (retention): nothing to review
                continue
            out.append(QueueEntry(r.id, r.request_id, r.batch, r.strategy, json.loads(r.reasons), r.stratum,
                                  json.loads(r.cohorts), r.nearest_item, r.similarity, r.queued_at, e,
                                  sorted(reviews.get(r.request_id, []), key=lambda x: x.rank)))
        return out

    def queue_counts(self) -> tuple[int, int]:
        """(queued, queued with at least one review)."""
        t, rv = schema.review_queue, schema.reviews
        with self.engine.connect() as c:
            total = int(c.execute(select(func.count()).select_from(t)).scalar() or 0)
            done = int(c.execute(select(func.count(func.distinct(t.c.request_id))).select_from(
                t.join(rv, rv.c.request_id == t.c.request_id))).scalar() or 0)
        return total, done

    # -- reviews ----------------------------------------------------------------------------
    def save_review(self, r: Review) -> Review:
        """Insert or revise `r.reviewer`'s review of the query; a new reviewer gets the next rank."""
        t = schema.reviews
        stamp = now()
        values = {"verdict": r.verdict, "failure_mode": r.failure_mode or None, "gold_answer": r.gold_answer,
                  "evidence": json.dumps(list(r.evidence)), "tags": json.dumps(dict(r.tags)), "note": r.note,
                  "updated_at": stamp}
        for _ in range(5):
            try:
                with self.engine.begin() as c:
                    row = c.execute(select(t).where(t.c.request_id == r.request_id,
                                                    t.c.reviewer == r.reviewer)).first()
                    if row is not None:
                        c.execute(update(t).where(t.c.id == row.id).values(**values))
                    else:
                        rank = int(c.execute(select(func.max(t.c.rank)).where(
                            t.c.request_id == r.request_id)).scalar() or 0) + 1
                        c.execute(insert(t).values(request_id=r.request_id, reviewer=r.reviewer, rank=rank,
                                                   created_at=stamp, **values))
                    saved = c.execute(select(t).where(t.c.request_id == r.request_id,
                                                      t.c.reviewer == r.reviewer)).first()
                    return _review(saved)
            except IntegrityError:  # two first reviews at once: take the next rank
                continue
        raise StoreError("could not save the review: other reviewers kept taking its rank", hint="try again")

    def reviews(self, *, request_ids: Iterable[str] | None = None, since: str | None = None) -> list[Review]:
        t = schema.reviews
        q = select(t).order_by(t.c.id)
        if since:
            q = q.where(t.c.updated_at >= since)
        with self.engine.connect() as c:
            rows = c.execute(q).all() if request_ids is None else select_in(c, q, t.c.request_id, request_ids)
        return [_review(r) for r in rows]

    # -- promotions -------------------------------------------------------------------------
    def promoted(self, dataset: str) -> dict[str, dict[str, Any]]:
        t = schema.review_promotions
        with self.engine.connect() as c:
            return {r.request_id: dict(r._mapping) for r in c.execute(select(t).where(t.c.dataset == dataset))}

    def record_promotions(self, dataset: str, version: int, pairs: Sequence[tuple[str, str]]) -> None:
        """(request_id, item_id) pairs promoted into dataset@version."""
        t = schema.review_promotions
        stamp = now()
        with self.engine.begin() as c:
            have = {r[0] for r in c.execute(select(t.c.request_id).where(t.c.dataset == dataset))}
            for rid, item_id in pairs:
                if rid not in have:
                    c.execute(insert(t).values(request_id=rid, dataset=dataset, version=version, item_id=item_id,
                                               promoted_at=stamp))
