"""The rag task: questions answered over the workspace's documents (app/feature.py)."""

from __future__ import annotations

from typing import Any

from shipcall.app.feature import Feature, Response
from shipcall.config.schema import Variant
from shipcall.core.datasets import Item
from shipcall.core.documents import document_ranking
from shipcall.core.runs import ItemResult, Retrieved
from shipcall.core.tasks.base import Prediction
from shipcall.core.tasks.rag import RagScoring


def to_prediction(item: Item, r: Response) -> Prediction:
    """One answered question as an unscored ItemResult, with the retrieved texts it came from."""
    a = r.answer
    result = ItemResult(
        item_id=item.id,
        retrieved=[Retrieved(sc.chunk.doc_id, sc.chunk.id, sc.score, sc.rank) for sc in r.chunks],
        answer="" if a.abstained else a.text,
        context="" if a.abstained else a.context,
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
    return Prediction(result, tuple(sc.chunk.text for sc in r.chunks), tuple(sc.chunk.doc_id for sc in r.chunks))


class RagPredictor:
    """A Feature (retriever + generator) as a task Predictor."""

    def __init__(self, feature: Feature) -> None:
        self.feature = feature
        self.name = feature.name
        self.variant_hash = feature.variant_hash
        self.corpus_version = feature.corpus_version
        self.concurrency = feature.concurrency
        self.budget = feature.generator.budget

    def identity(self) -> dict[str, Any]:
        return self.feature.identity()

    def predict(self, item: Item) -> Prediction:
        return to_prediction(item, self.feature.answer(item.question))

    def stats(self) -> dict[str, Any] | None:
        return self.feature.generator.stats()


class RagTask(RagScoring):
    def build(self, workspace: Any, name: str, variant: Variant, dataset: Any = None) -> RagPredictor:
        return RagPredictor(Feature.open(workspace, name, variant=variant))
