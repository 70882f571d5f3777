"""Run one variant over one dataset version on one corpus version, resumably.

Per item: retrieve → generate → score → classify failures → store. Results are committed in
small batches (at least every 100 ms); a resumed run skips the items already stored, so a
`kill -9` loses at most the last batch.

Generators that call a provider answer up to their `concurrency` items at once (pool.py; others
one at a time, in order), and their `budget` can stop a run cleanly: it stays unfinished and the
same command resumes it. The run's identity includes the prompt template's hash. With judge
options, the LLM judge grades the answers after generation (judge.py), before aggregation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shipcall._version import __version__
from shipcall.adapters.clock import now
from shipcall.app.feature import Feature, Response
from shipcall.app.pool import Budget, answer_items
from shipcall.app.workspace import Workspace
from shipcall.core.datasets import Dataset, Item
from shipcall.core.documents import document_ranking
from shipcall.core.failures import classify
from shipcall.core.metrics import aggregate, score_item
from shipcall.core.runs import ItemResult, Retrieved, Run

if TYPE_CHECKING:
    from shipcall.app.judge import JudgeOptions

BATCH_SECONDS = 0.1
BATCH_ITEMS = 500


@dataclass
class RunOutcome:
    run: Run
    resumed: bool
    done_before: int
    stopped: str | None = None  # why an unfinished run stopped (its budget); None when finished
    provider: dict[str, Any] | None = None  # the generator's calls, cache hits, retries, spend here
    judge: list[dict[str, Any]] | None = None  # per judge metric: agreement, flips, noise, kappa
    warnings: list[str] = field(default_factory=list)



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
    if a.meta or a.tokens_in or a.tokens_out or a.cost:  # a generator that calls a provider
        result.extra["usage"] = {"tokens_in": a.tokens_in, "tokens_out": a.tokens_out, "cost": a.cost,
                                 "cost_paid": 0.0 if a.cached else a.cost, "cached": a.cached, **a.meta}
    if a.raw and a.raw != a.text:
        result.extra["reply"] = a.raw
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
        progress: Callable[[int, int], object] | None = None, judge: JudgeOptions | None = None,
        judge_progress: Callable[[int, int], object] | None = None) -> RunOutcome:
    feature = Feature.open(ws, variant_name)
    items = list(dataset.items[:limit] if limit else dataset.items)
    ks = ws.config.evaluation.k
    config: dict[str, Any] = {"variant": feature.variant.resolved(), "limit": limit, "k": ks}
    if identity := feature.identity():
        config["generator"] = identity
    judge_ = None
    if judge is not None:
        from shipcall.app.judge import Judge

        judge_ = Judge(ws, judge, feature)  # checks its key and prompt before anything is paid
        config["judge"] = judge_.identity()
    store = ws.store
    variant_hash = feature.variant_hash
    existing = store.unfinished_run(variant_hash, dataset.name, dataset.version, feature.corpus_version)
    if existing is not None and existing.config == config:
        current, resumed = existing, True
    else:
        current = store.create_run(Run(
            id="", variant=feature.name, variant_hash=variant_hash, dataset=dataset.name,
            dataset_version=dataset.version, corpus_version=feature.corpus_version, code_version=__version__,
            started_at=now(), config=config, n_items=len(items)))
        resumed = False
    done = store.finished_item_ids(current.id)
    todo = [(i, it) for i, it in enumerate(items) if it.id not in done]
    budget_config = getattr(feature.variant.generator, "budget", None)
    budget = Budget.of(budget_config, store.item_results(current.id) if budget_config and done else [])
    batch: list[tuple[int, ItemResult]] = []
    last = time.monotonic()
    finished = len(items) - len(todo)

    def answer(item: Item) -> ItemResult:
        try:
            return item_result(item, feature.answer(item.question), ks)
        except Exception as e:  # one item's failure must not stop the run; it is recorded
            return ItemResult(item_id=item.id, error=f"{type(e).__name__}: {e}", failure_modes=["error"])

    for got in answer_items(todo, answer, workers=feature.concurrency, budget=budget, heartbeat=BATCH_SECONDS):
        if got is not None:
            batch.append(got)
            finished += 1
            if progress:
                progress(finished, len(items))
        if len(batch) >= BATCH_ITEMS or time.monotonic() - last >= BATCH_SECONDS:
            store.save_item_results(current.id, batch)
            batch, last = [], time.monotonic()
    store.save_item_results(current.id, batch)
    stats = feature.generator.stats() if callable(getattr(feature.generator, "stats", None)) else None
    if budget is not None and budget.exhausted and finished < len(items):
        return RunOutcome(current, resumed, len(items) - len(todo), provider=stats, stopped=(
            f"budget reached: paid {budget.describe()} after {finished} of {len(items)} items; run {current.id} "
            f"is paused: raise generator.budget and run the same command again to resume it"))
    judged = judge_.run(current, items, progress=judge_progress) if judge_ is not None else None
    results = store.item_results(current.id)
    current.metrics, current.cohorts = aggregate(items, results, None, ks)
    if judged is not None:
        current.metrics.update(judged.metrics)
    current.n_items = len(results)
    current.errors = sum(1 for r in results if r.error)
    current.finished_at = now()
    current.status = "finished"
    store.finish_run(current)
    return RunOutcome(current, resumed, len(items) - len(todo), provider=stats,
                      judge=[s.to_dict() for s in judged.summaries] if judged else None,
                      warnings=judged.warnings if judged else [])
