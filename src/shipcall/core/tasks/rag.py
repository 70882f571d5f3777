"""The rag task's pure half: items are questions with gold answers and evidence; an output is
an answer with citations (or an abstention) over retrieved chunks; scores are the retrieval,
answer, abstention, assertion and groundedness metrics, and the failure modes of
core/failures.py. The app layer adds `build` (app/tasks/rag.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shipcall.core.datasets import Item, parse_item
from shipcall.core.failures import classify
from shipcall.core.metrics import aggregate, score_item
from shipcall.core.runs import ItemResult
from shipcall.core.tasks.base import Prediction, TaskSettings


class RagScoring:
    name = "rag"

    def __init__(self, settings: TaskSettings | None = None) -> None:
        self.settings = settings or TaskSettings()

    def parse_item(self, obj: Any, *, file: str | None = None, line: int | None = None) -> Item:
        return parse_item(obj, file=file, line=line)

    def score(self, item: Item, prediction: Prediction) -> ItemResult:
        result = prediction.result
        texts = list(prediction.context)
        result.metrics = score_item(item, result, list(self.settings.k), texts)
        result.failure_modes = classify(item, result, texts, list(prediction.context_ids),
                                        k_answer=len(prediction.context))
        return result

    def aggregate(self, items: Sequence[Item], results: Sequence[ItemResult]
                  ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
        return aggregate(items, results, None, list(self.settings.k))
