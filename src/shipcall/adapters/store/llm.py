"""The store's side of the LLM providers: the response cache and the judge's verdicts (m002).

Writes come from the worker threads of a run; each is its own short transaction, so a reply is
durable as soon as it is paid for (a killed run never pays for it again).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from shipcall.adapters.clock import now
from shipcall.adapters.store import schema
from shipcall.adapters.store.chunked import select_in

if TYPE_CHECKING:
    from shipcall.adapters.store.store import Store


class StoreResponseCache:
    """Replies by request key (sha256 of provider, endpoint, model, parameters and prompt)."""

    def __init__(self, store: Store) -> None:
        self.engine = store.engine

    def get(self, key: str) -> dict[str, Any] | None:
        t = schema.response_cache
        with self.engine.connect() as c:
            raw = c.execute(select(t.c.response).where(t.c.key == key)).scalar()
        return json.loads(raw) if raw is not None else None

    def put(self, key: str, provider: str, model: str, response: dict[str, Any]) -> None:
        t = schema.response_cache
        try:
            with self.engine.begin() as c:
                c.execute(insert(t).values(key=key, provider=provider, model=model,
                                           response=json.dumps(response, ensure_ascii=False),
                                           tokens_in=int(response.get("tokens_in", 0)),
                                           tokens_out=int(response.get("tokens_out", 0)), created_at=now()))
        except IntegrityError:  # the same request answered twice at once: keep the first
            pass

    def count(self) -> int:
        with self.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(schema.response_cache)).scalar() or 0)


def save_judgements(store: Store, rows: Iterable[dict[str, Any]]) -> None:
    """Insert judge verdicts; rows whose (run, item, metric, repeat) exist are skipped."""
    rows = list(rows)
    if not rows:
        return
    t = schema.judgements
    stamp = now()
    with store.engine.begin() as c:
        have = {(r.item_id, r.metric, r.repeat) for r in c.execute(
            select(t.c.item_id, t.c.metric, t.c.repeat).where(t.c.run_id == rows[0]["run_id"]))}
        fresh = [r | {"created_at": r.get("created_at") or stamp} for r in rows
                 if (r["item_id"], r["metric"], r["repeat"]) not in have]
        if fresh:
            c.execute(insert(t), fresh)


def judgements(store: Store, run_id: str) -> list[dict[str, Any]]:
    t = schema.judgements
    with store.engine.connect() as c:
        rows = c.execute(select(t).where(t.c.run_id == run_id)
                         .order_by(t.c.item_id, t.c.metric, t.c.repeat)).all()
    return [dict(r._mapping) for r in rows]


def update_item_metrics(store: Store, run_id: str, values: dict[str, dict[str, float]]) -> None:
    """Merge per-item metric values (the judge's) into stored item results, in one transaction."""
    if not values:
        return
    t = schema.item_results
    with store.engine.begin() as c:
        current = {r.item_id: json.loads(r.metrics) for r in select_in(
            c, select(t.c.item_id, t.c.metrics).where(t.c.run_id == run_id), t.c.item_id, values)}
        for item_id, new in values.items():
            if item_id in current:
                c.execute(update(t).where(t.c.run_id == run_id, t.c.item_id == item_id)
                          .values(metrics=json.dumps(current[item_id] | new)))
