"""The Task protocol: item -> output -> per-item scores (as inspect_ai separates task, solver
and scorer).

A task type says how its items are read (`parse_item`), how a variant of it is built into a
`Predictor` (`build`: an index, a model; done by the app layer since it touches files), how one
output is scored (`score`: per-item metric values and failure modes, pure) and how the scores
aggregate per run and cohort (`aggregate`, pure). Runs, compare, the gate, failures, reports and
the pages consume only what `score` produces: `ItemResult.metrics` (a number per metric, with the
metric's direction in the metric registry) and `ItemResult.failure_modes`. Nothing there knows
which task produced them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from shipcall.core.datasets import Item
from shipcall.core.runs import ItemResult


@dataclass
class Prediction:
    """One item's output before scoring: the ItemResult with the output filled in (answer,
    prediction, summary, retrieved ids, latency) and the texts the output was made from
    (retrieved chunks, the source text), which groundedness and failure rules read."""

    result: ItemResult
    context: tuple[str, ...] = ()
    context_ids: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class Predictor(Protocol):
    """A variant built for a task: what a run needs to produce outputs and to name itself."""

    name: str  # the variant's name
    variant_hash: str  # the run identity's variant part (includes e.g. a prompt template's hash)
    corpus_version: str  # the corpus it reads ("" when the task reads none)
    concurrency: int  # items it may predict at once
    budget: Any  # a per-run spending limit, or None

    def identity(self) -> dict[str, Any]:
        """What determines its outputs beyond the variant's config."""
        ...

    def predict(self, item: Item) -> Prediction: ...

    def stats(self) -> dict[str, Any] | None:
        """Provider calls, cache hits, retries and spend, for the run's report (or None)."""
        ...


class Task(Protocol):
    name: str

    def parse_item(self, obj: Any, *, file: str | None = None, line: int | None = None) -> Item:
        """One dataset line, validated for this task; errors name the file, line and field."""
        ...

    def build(self, workspace: Any, name: str, variant: Any, dataset: Any = None) -> Predictor:
        """Open (or build) what the variant (its name and its config) needs, cached by identity.
        `dataset`, when given, is the dataset version it will predict (a classifier reads its label
        set; a predictor may batch its items)."""
        ...

    def score(self, item: Item, prediction: Prediction) -> ItemResult:
        """The result with per-item metrics and failure modes filled in."""
        ...

    def aggregate(self, items: Sequence[Item], results: Sequence[ItemResult]
                  ) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
        """Overall metrics and per-cohort {"n", "metrics"} for a run."""
        ...


@dataclass(frozen=True)
class TaskSettings:
    """Evaluation settings every task receives (from shipcall.yaml's `evaluation:`)."""

    k: tuple[int, ...] = (1, 3, 5, 10)
    extra: Mapping[str, Any] = field(default_factory=dict)
