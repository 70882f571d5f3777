"""The classify task: a variant's classifier (adapters/classifiers) built for a dataset, items
predicted in batches, scored by the pure core (core/tasks/classify.py).

Trained kinds (`tfidf-logreg`, `embedding-logreg`) read the variant's `train` dataset (NAME or
NAME@VERSION, a classify dataset); its version and content hash are part of the run's identity,
so a new training version is a new run. Texts are classified in batches of BATCH items (one call
to the model), and each item's latency is its batch's time divided by the batch size; LLM kinds
classify one item per call, `concurrency` at a time.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

from shipcall.adapters.classifiers import TRAINED, BuildContext, build_classifier
from shipcall.app.datasets import parse_ref
from shipcall.core.datasets import Dataset
from shipcall.core.metrics import aggregate
from shipcall.core.runs import ItemResult
from shipcall.core.tasks import classify as core
from shipcall.core.tasks.base import Prediction, TaskSettings
from shipcall.core.tasks.classify import Classification, ClassifyItem
from shipcall.errors import ConfigError, DatasetError

BATCH = 256


def _hash(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


class ClassifyPredictor:
    """A built classifier as a task Predictor."""

    corpus_version = ""

    def __init__(self, name: str, variant: Any, classifier: Any, dataset: Dataset | None,
                 train: tuple[str, int, str] | None, warnings: list[str]) -> None:
        self.name = name
        self.variant = variant
        self.classifier = classifier
        self.train = train
        self.warnings = warnings
        ident = self.identity()
        self.variant_hash = _hash({"variant": variant.hash, **ident}) if ident else variant.hash
        self.concurrency = max(1, int(getattr(classifier, "concurrency", 1) or 1))
        self.budget = getattr(classifier, "budget", None)
        self._items: list[ClassifyItem] = items_of(dataset) if dataset is not None else []
        self._order = {it.id: i for i, it in enumerate(self._items)}
        self._done: dict[str, tuple[Classification, float]] = {}
        self._lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.train is not None:
            out["train"] = f"{self.train[0]}@{self.train[1]}#{self.train[2]}"
        ident = getattr(self.classifier, "identity", None)
        if callable(ident):
            out.update(ident())
        return out

    def stats(self) -> dict[str, Any] | None:
        fn = getattr(self.classifier, "stats", None)
        return fn() if callable(fn) else None

    def _batch_for(self, item: ClassifyItem) -> list[ClassifyItem]:
        if self.concurrency > 1 or item.id not in self._order:
            return [item]
        start = self._order[item.id]
        batch = [it for it in self._items[start:start + BATCH] if it.id not in self._done]
        return batch if batch and batch[0].id == item.id else [item, *batch]

    def predict(self, item: ClassifyItem) -> Prediction:
        with self._lock if self.concurrency == 1 else _NoLock():
            got = self._done.pop(item.id, None)
            if got is None:
                batch = self._batch_for(item)
                t0 = time.perf_counter()
                outputs = self.classifier.classify([it.text for it in batch])
                per_item = (time.perf_counter() - t0) * 1000 / len(batch)
                for it, out in zip(batch, outputs, strict=True):
                    self._done[it.id] = (out, per_item)
                got = self._done.pop(item.id)
        out, ms = got
        result = ItemResult(item_id=item.id, answer=out.label or "", latency_ms={"total": round(ms, 3)},
                            error=out.error)
        result.extra["prediction"] = out.label
        result.extra["confidence"] = out.confidence
        if out.scores:
            result.extra["scores"] = [list(s) for s in out.scores]
        if out.usage:
            result.extra["usage"] = dict(out.usage)
        if out.raw and out.raw.strip() != (out.label or ""):
            result.extra["reply"] = out.raw
        return Prediction(result, (item.text,), extra={"classification": out})


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def output_of(result: ItemResult) -> Classification:
    """The classification stored in a result (for scoring again and for reports)."""
    return Classification(label=result.extra.get("prediction"), confidence=result.extra.get("confidence"),
                          raw=result.extra.get("reply", ""), error=result.error)


class ClassifyTask:
    name = core.TASK
    failure_modes = core.FAILURE_MODES

    def __init__(self, settings: TaskSettings | None = None) -> None:
        self.settings = settings or TaskSettings()

    def parse_item(self, obj: Any, *, file: str | None = None, line: int | None = None) -> ClassifyItem:
        return core.parse_item(obj, file=file, line=line)

    def build(self, workspace: Any, name: str, variant: Any, dataset: Dataset | None = None) -> ClassifyPredictor:
        cfg = variant.classifier
        if cfg is None:
            raise ConfigError(f"variant {name!r} has no classifier", field=f"variants.{name}.classifier",
                              hint="classifier: {kind: tfidf-logreg, train: DATASET}")
        labels = list(dataset.labels) if dataset is not None and dataset.labels else (
            core.label_set(items_of(dataset)) if dataset is not None else [])
        ctx = BuildContext(labels=labels, model_dir=workspace.state_dir / "models",
                           embedding_dir=workspace.state_dir / "embeddings", store=workspace.store,
                           root=workspace.root)
        train_id = None
        if cfg.kind in TRAINED:
            train_ds = _training_dataset(workspace, cfg.train)
            ctx.train = items_of(train_ds)
            train_id = (train_ds.name, train_ds.version, train_ds.hash)
            ctx.train_id = train_id
            if dataset is not None and (dataset.name, dataset.version) == (train_ds.name, train_ds.version):
                ctx.warnings.append(f"variant {name!r} is evaluated on its own training data ({train_ds.name}@"
                                    f"{train_ds.version}): the figures will look better than they are")
            elif dataset is not None:
                seen = {it.text.strip() for it in ctx.train}
                overlap = sum(1 for it in items_of(dataset) if it.text.strip() in seen)
                if overlap:
                    ctx.warnings.append(f"{overlap} of {len(dataset.items)} evaluation texts also appear in the "
                                        f"training dataset {train_ds.name}@{train_ds.version}")
        elif not labels:
            raise ConfigError(f"a {cfg.kind} classifier chooses among the dataset's labels: run it on a dataset",
                              field=f"variants.{name}.classifier")
        classifier = build_classifier(cfg, ctx)
        return ClassifyPredictor(name, variant, classifier, dataset, train_id, ctx.warnings)

    def score(self, item: ClassifyItem, prediction: Prediction) -> ItemResult:
        result = prediction.result
        out = prediction.extra.get("classification") or output_of(result)
        result.metrics = core.score(item, out)
        result.failure_modes = core.failure_modes(item, out)
        return result

    def aggregate(self, items: Sequence[ClassifyItem], results: Sequence[ItemResult]
                  ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
        gold = {it.id: it.label for it in items}

        def extra(rows: Sequence[ItemResult]) -> dict[str, float]:
            done = [r for r in rows if r.error is None and r.extra.get("prediction") is not None and r.item_id in gold]
            return core.aggregate([gold[r.item_id] for r in done], [r.extra["prediction"] for r in done],
                                  [r.extra.get("confidence") for r in done])

        return aggregate(items, results, None, list(self.settings.k), extra=extra)

    def export_row(self, item: ClassifyItem | None, result: ItemResult) -> dict[str, Any]:
        """One line of `shipcall export`: the item's fields beside the prediction."""
        row: dict[str, Any] = item.to_dict() if item is not None else {"id": result.item_id}
        row.update({"prediction": result.extra.get("prediction"), "confidence": result.extra.get("confidence"),
                    "correct": result.metrics.get("accuracy"), "scores": result.extra.get("scores", [])})
        return row


def items_of(dataset: Dataset) -> list[ClassifyItem]:
    """A classify dataset's items (the Dataset type holds any task's items)."""
    return [it for it in dataset.items if isinstance(it, ClassifyItem)]


def _training_dataset(ws: Any, ref: str) -> Dataset:
    name, version = parse_ref(ref)
    ds: Dataset = ws.store.load_dataset(name, version)
    if ds.task != core.TASK:
        raise DatasetError(f"training dataset {ds.name}@{ds.version} holds {ds.task} items", field="classifier.train",
                           hint="train on a classify dataset (shipcall dataset import FILE --task classify ...)")
    return ds
