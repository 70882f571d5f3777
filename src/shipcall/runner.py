"""Run one variant over one dataset version on one corpus version, resumably.

Per item: retrieve → generate → score → classify failures → store. Results are committed in
small batches (at least every 100 ms); a resumed run skips the items already stored, so a
`kill -9` loses at most the last batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shipcall import __version__
from shipcall.core.datasets import Dataset, Item
from shipcall.core.documents import document_ranking
from shipcall.core.failures import classify
from shipcall.core.metrics import aggregate, score_item
from shipcall.core.runs import ItemResult, Retrieved, Run
from shipcall.feature import Feature, Response
from shipcall.workspace import Workspace

BATCH_SECONDS = 0.1
BATCH_ITEMS = 500


@dataclass
class RunOutcome:
    run: Run
    resumed: bool
    done_before: int


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def item_result(item: Item, r: Response, ks: list[int]) -> ItemResult:
    """Turn one answered question into a scored ItemResult."""
    a = r.answer
    result = ItemResult(
        item_id=item.id,
        retrieved=[Retrieved(sc.chunk.doc_id, sc.chunk.id, sc.score, sc.rank) for sc in r.chunks],
        retrieved_docs=[],
        answer="" if a.abstained else a.text,
        citations=list(a.citations),
        abstained=a.abstained,
        support=a.support,
        latency_ms={k: round(v, 3) for k, v in r.latency_ms.items()},
    )
    best: dict[str, str] = {}
    for sc in r.chunks:
        best.setdefault(sc.chunk.doc_id, sc.chunk.id)
    result.retrieved_docs = [Retrieved(d, best[d], s, rank) for d, s, rank in document_ranking(r.chunks)]
    texts = [sc.chunk.text for sc in r.chunks]
    result.metrics = score_item(item, result, ks, texts)
    result.failure_modes = classify(item, result, texts, [sc.chunk.doc_id for sc in r.chunks],
                                    k_answer=len(r.chunks))
    return result


def run(ws: Workspace, dataset: Dataset, variant_name: str | None, *, limit: int | None = None,
        progress: Callable[[int, int], object] | None = None) -> RunOutcome:
    feature = Feature.open(ws, variant_name)
    items = list(dataset.items[:limit] if limit else dataset.items)
    ks = ws.config.evaluation.k
    config = {"variant": feature.variant.resolved(), "limit": limit, "k": ks}
    store = ws.store
    existing = store.unfinished_run(feature.variant.hash, dataset.name, dataset.version, feature.corpus_version)
    if existing is not None and existing.config == config:
        current, resumed = existing, True
    else:
        current = store.create_run(Run(
            id="", variant=feature.name, variant_hash=feature.variant.hash, dataset=dataset.name,
            dataset_version=dataset.version, corpus_version=feature.corpus_version, code_version=__version__,
            started_at=now(), config=config, n_items=len(items)))
        resumed = False
    done = store.finished_item_ids(current.id)
    todo = [(i, it) for i, it in enumerate(items) if it.id not in done]
    batch: list[tuple[int, ItemResult]] = []
    last = time.monotonic()
    finished = len(items) - len(todo)
    for pos, item in todo:
        try:
            res = item_result(item, feature.answer(item.question), ks)
        except Exception as e:  # one item's failure must not stop the run; it is recorded
            res = ItemResult(item_id=item.id, error=f"{type(e).__name__}: {e}", failure_modes=["error"])
        batch.append((pos, res))
        finished += 1
        if progress:
            progress(finished, len(items))
        if len(batch) >= BATCH_ITEMS or time.monotonic() - last >= BATCH_SECONDS:
            store.save_item_results(current.id, batch)
            batch, last = [], time.monotonic()
    store.save_item_results(current.id, batch)
    results = store.item_results(current.id)
    current.metrics, current.cohorts = aggregate(items, results, None, ks)
    current.n_items = len(results)
    current.errors = sum(1 for r in results if r.error)
    current.finished_at = now()
    current.status = "finished"
    store.finish_run(current)
    return RunOutcome(current, resumed, len(items) - len(todo))
