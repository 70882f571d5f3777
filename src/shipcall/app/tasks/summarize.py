"""The summarize task: a variant's summarizer (adapters/summarizers) over each item's text, scored
by the pure core (core/tasks/summarize.py) with the variant's word budget."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from shipcall.adapters.summarizers import build_summarizer
from shipcall.core.datasets import Dataset
from shipcall.core.metrics import aggregate
from shipcall.core.runs import ItemResult
from shipcall.core.tasks import summarize as core
from shipcall.core.tasks.base import Prediction, TaskSettings
from shipcall.core.tasks.summarize import SummarizeItem, Summary
from shipcall.errors import ConfigError


class SummarizePredictor:
    corpus_version = ""

    def __init__(self, name: str, variant: Any, summarizer: Any) -> None:
        self.name = name
        self.variant = variant
        self.summarizer = summarizer
        self.warnings: list[str] = []
        ident = self.identity()
        if ident:
            from shipcall.app.tasks.classify import _hash

            self.variant_hash = _hash({"variant": variant.hash, **ident})
        else:
            self.variant_hash = variant.hash
        self.concurrency = max(1, int(getattr(summarizer, "concurrency", 1) or 1))
        self.budget = getattr(summarizer, "budget", None)
        self.max_words: int | None = variant.summarizer.max_words

    def identity(self) -> dict[str, Any]:
        fn = getattr(self.summarizer, "identity", None)
        return dict(fn()) if callable(fn) else {}

    def stats(self) -> dict[str, Any] | None:
        fn = getattr(self.summarizer, "stats", None)
        return fn() if callable(fn) else None

    def predict(self, item: SummarizeItem) -> Prediction:
        t0 = time.perf_counter()
        out: Summary = self.summarizer.summarize(item.text)
        ms = (time.perf_counter() - t0) * 1000
        result = ItemResult(item_id=item.id, answer=out.text, latency_ms={"total": round(ms, 3)}, error=out.error)
        result.extra["summary"] = out.text
        if out.spans:
            result.extra["spans"] = [[s.line, s.start, s.end] for s in out.spans]
        if out.usage:
            result.extra["usage"] = dict(out.usage)
        if out.raw and out.raw.strip() != out.text:
            result.extra["reply"] = out.raw
        return Prediction(result, (item.text,), extra={"summary": out, "max_words": self.max_words})


def output_of(result: ItemResult) -> Summary:
    return Summary(text=result.extra.get("summary", result.answer), raw=result.extra.get("reply", ""),
                   error=result.error)


class SummarizeTask:
    name = core.TASK
    failure_modes = core.FAILURE_MODES

    def __init__(self, settings: TaskSettings | None = None) -> None:
        self.settings = settings or TaskSettings()

    def parse_item(self, obj: Any, *, file: str | None = None, line: int | None = None) -> SummarizeItem:
        return core.parse_item(obj, file=file, line=line)

    def build(self, workspace: Any, name: str, variant: Any, dataset: Dataset | None = None) -> SummarizePredictor:
        cfg = variant.summarizer
        if cfg is None:
            raise ConfigError(f"variant {name!r} has no summarizer", field=f"variants.{name}.summarizer")
        ctx = _Context(store=workspace.store, root=workspace.root)
        return SummarizePredictor(name, variant, build_summarizer(cfg, ctx))

    def score(self, item: SummarizeItem, prediction: Prediction) -> ItemResult:
        result = prediction.result
        out = prediction.extra.get("summary") or output_of(result)
        result.metrics = core.score(item, out)
        result.failure_modes = core.failure_modes(item, out, result.metrics, prediction.extra.get("max_words"))
        return result

    def aggregate(self, items: Sequence[SummarizeItem], results: Sequence[ItemResult]
                  ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
        def extra(rows: Sequence[ItemResult]) -> dict[str, float]:
            return core.aggregate([r.metrics for r in rows if r.error is None])

        return aggregate(items, results, None, list(self.settings.k), extra=extra)

    def export_row(self, item: SummarizeItem | None, result: ItemResult) -> dict[str, Any]:
        """One line of `shipcall export`: the item's fields beside the summary and its source spans."""
        row: dict[str, Any] = item.to_dict() if item is not None else {"id": result.item_id}
        row.update({"summary": result.extra.get("summary", result.answer), "spans": result.extra.get("spans", [])})
        return row


class _Context:
    def __init__(self, store: Any, root: Any) -> None:
        self.store = store
        self.root = root
