"""`shipcall export RUN`: a run's per-item results as rows (JSONL) or its document ranking (TREC).

rag rows carry the answer, citations and retrieval; classify and summarize rows carry the
item's own fields beside the output (`prediction` with its confidence, or `summary` with the
source span of each sentence), built by the task (`export_row`). Every row has the per-item
metrics, failure modes, latency and error; LLM outputs also usage and the raw reply."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from shipcall.app.tasks import get_task
from shipcall.app.workspace import Workspace
from shipcall.core.runs import ItemResult, Run


def run_task(ws: Workspace, run: Run) -> str:
    """The task type of a run (its variant's; runs from before task types are rag)."""
    return run.task


def trec_lines(ws: Workspace, run: Run) -> Iterator[str]:
    for res in ws.store.item_results(run.id):
        prev = math.inf
        for d in res.retrieved_docs:
            # Our scores, nudged down by one ulp where tied, so that a tool re-sorting by score gets
            # exactly our ranking back.
            score = d.score if d.score < prev else math.nextafter(prev, -math.inf)
            prev = score
            yield f"{res.item_id} Q0 {d.doc_id} {d.rank} {score!r} shipcall-{run.id}\n"


def _common(res: ItemResult) -> dict[str, Any]:
    return {"latency_ms": res.latency_ms, "error": res.error, "metrics": res.metrics,
            "failure_modes": res.failure_modes,
            **{k: res.extra[k] for k in ("usage", "reply") if k in res.extra}}  # LLM: tokens, cost, reply


def _rag_row(res: ItemResult) -> dict[str, Any]:
    return {"id": res.item_id, "answer": res.answer, "context": res.context, "abstained": res.abstained,
            "support": res.support,
            "citations": [{"doc_id": c.doc_id, "chunk_id": c.chunk_id, "heading_path": list(c.heading_path),
                           "snippet": c.snippet} for c in res.citations],
            "retrieved": [vars(x) for x in res.retrieved],
            "retrieved_docs": [vars(x) for x in res.retrieved_docs]}


def export_rows(ws: Workspace, run: Run) -> Iterator[dict[str, Any]]:
    """One row per item result of the run, in item order."""
    results = ws.store.item_results(run.id)
    task = run_task(ws, run)
    if task == "rag":
        from shipcall.adapters.store.llm import judgements

        verdicts: dict[str, list[dict[str, object]]] = {}  # the LLM judge's, with its reasoning
        for j in judgements(ws.store, run.id):
            verdicts.setdefault(j["item_id"], []).append(
                {k: j[k] for k in ("metric", "repeat", "label", "value", "reasoning", "judge_model",
                                   "prompt_hash", "error")})
        for res in results:
            yield {**_rag_row(res), **_common(res),
                   **({"judge": verdicts[res.item_id]} if res.item_id in verdicts else {})}
        return
    t: Any = get_task(task)
    items = {it.id: it for it in ws.store.load_dataset(run.dataset, run.dataset_version).items}
    for res in results:
        yield {**t.export_row(items.get(res.item_id), res), **_common(res)}
