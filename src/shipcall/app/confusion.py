"""`shipcall show RUN --confusion`: the confusion matrix of a classify run, from the stored
predictions and the dataset's gold labels, with the label pairs most often confused first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shipcall.app.workspace import Workspace
from shipcall.core.metrics.classification import confusion, top_confusions, unique_labels
from shipcall.core.tasks.classify import ClassifyItem
from shipcall.errors import ConfigError


@dataclass
class ConfusionReport:
    run_id: str
    labels: list[str]
    matrix: list[list[int]]  # [gold][predicted], in `labels` order
    top: list[tuple[str, str, int]]  # (gold, predicted, count), most frequent first
    n_items: int
    unparseable: int

    def to_dict(self) -> dict[str, Any]:
        gold_counts = {label: sum(row) for label, row in zip(self.labels, self.matrix, strict=True)}
        return {"run_id": self.run_id, "n_items": self.n_items, "labels": self.labels, "matrix": self.matrix,
                "unparseable": self.unparseable,
                "top_confusions": [{"gold": g, "predicted": p, "count": n,
                                    "share_of_gold": n / gold_counts[g] if gold_counts[g] else 0.0}
                                   for g, p, n in self.top]}


def confusion_report(ws: Workspace, run_ref: str) -> ConfusionReport:
    run = ws.store.get_run(run_ref)
    ds = ws.store.load_dataset(run.dataset, run.dataset_version)
    if ds.task != "classify":
        raise ConfigError(f"run {run.id} is a {ds.task} run: a confusion matrix needs a classify run",
                          field="--confusion")
    gold_of = {it.id: it.label for it in ds.items if isinstance(it, ClassifyItem)}
    pairs = [(gold_of[r.item_id], r.extra["prediction"]) for r in ws.store.item_results(run.id)
             if r.item_id in gold_of and r.error is None and r.extra.get("prediction") is not None]
    gold, pred = [g for g, _ in pairs], [p for _, p in pairs]
    labels = unique_labels(gold, pred)
    matrix = confusion(gold, pred, labels).tolist() if labels else []
    return ConfusionReport(run.id, labels, matrix, top_confusions(gold, pred), len(pairs),
                           run.errors)
