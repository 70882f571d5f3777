"""Drafted items in the store (table of migration m005): queued drafts, their reviews and
promotions. One review per draft: recording again revises it (the latest reviewer is kept)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from shipcall.adapters.clock import now
from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import select_in, update_in
from shipcall.core.drafting import Draft, QueuedDraft
from shipcall.errors import NotFoundError

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store


def _queued(r: Any) -> QueuedDraft:
    d = json.loads(r.data)
    draft = Draft(draft_id=r.id, kind=r.kind, question=d["question"], answers=tuple(d.get("answers", [])),
                  answerable=bool(d.get("answerable", True)), evidence=tuple(d.get("evidence", [])),
                  tags=dict(d.get("tags", {})), source=dict(d.get("source", {})))
    return QueuedDraft(position=r.position, draft=draft, dataset=r.dataset, batch=r.batch, created_at=r.created_at,
                       verdict=r.verdict, reviewer=r.reviewer, reviewed_at=r.reviewed_at,
                       edits=json.loads(r.edits or "{}"), note=r.note or "", promoted_version=r.promoted_version)


class DraftStore:
    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def add(self, dataset: str, batch: str, drafts: Sequence[Draft]) -> int:
        """Queue drafts in order; a draft id already stored is skipped. Returns how many were added."""
        t = schema.drafts
        stamp = now()
        added = 0
        with self.engine.begin() as c:
            have = {r[0] for r in c.execute(select(t.c.id).where(t.c.id.in_([d.draft_id for d in drafts] or [""])))}
            pos = int(c.execute(select(func.max(t.c.position))).scalar() or 0)
            for d in drafts:
                if d.draft_id in have:
                    continue
                pos += 1
                data = {"question": d.question, "answers": list(d.answers), "answerable": d.answerable,
                        "evidence": list(d.evidence), "tags": d.tags, "source": d.source}
                c.execute(insert(t).values(id=d.draft_id, position=pos, batch=batch, dataset=dataset, kind=d.kind,
                                           generator=str(d.tags.get("generator", "")),
                                           data=json.dumps(data, ensure_ascii=False), created_at=stamp, edits="{}",
                                           note=""))
                have.add(d.draft_id)
                added += 1
        return added

    def drafts(self, *, dataset: str | None = None, ids: Iterable[str] | None = None) -> list[QueuedDraft]:
        """Stored drafts in queue order (of one dataset, or those ids)."""
        t = schema.drafts
        q = select(t).order_by(t.c.position)
        if dataset is not None:
            q = q.where(t.c.dataset == dataset)
        with self.engine.connect() as c:
            if ids is None:
                return [_queued(r) for r in c.execute(q)]
            rows = select_in(c, q, t.c.id, ids)
        return sorted((_queued(r) for r in rows), key=lambda x: x.position)

    def get(self, draft_id: str) -> QueuedDraft:
        found = self.drafts(ids=[draft_id])
        if not found:
            raise NotFoundError(f"no draft {draft_id!r}", field="draft_id",
                                hint="`shipcall review list --kind draft` shows the queued drafts")
        return found[0]

    def exists(self, draft_id: str) -> bool:
        t = schema.drafts
        with self.engine.connect() as c:
            return c.execute(select(t.c.id).where(t.c.id == draft_id)).first() is not None

    def counts(self) -> tuple[int, int]:
        """(drafts queued, drafts reviewed)."""
        t = schema.drafts
        with self.engine.connect() as c:
            total = int(c.execute(select(func.count()).select_from(t)).scalar() or 0)
            done = int(c.execute(select(func.count()).select_from(t).where(t.c.verdict.is_not(None))).scalar() or 0)
        return total, done

    def record(self, draft_id: str, *, verdict: str, reviewer: str, edits: dict[str, Any], note: str) -> QueuedDraft:
        t = schema.drafts
        with self.engine.begin() as c:
            res = c.execute(update(t).where(t.c.id == draft_id).values(
                verdict=verdict, reviewer=reviewer, reviewed_at=now(), edits=json.dumps(edits, ensure_ascii=False),
                note=note))
            if res.rowcount == 0:
                raise NotFoundError(f"no draft {draft_id!r}", field="draft_id",
                                    hint="`shipcall review list --kind draft` shows the queued drafts")
        return self.get(draft_id)

    def mark_promoted(self, ids: Sequence[str], version: int) -> None:
        t = schema.drafts
        with self.engine.begin() as c:
            update_in(c, t, t.c.id, ids, {"promoted_version": version})
