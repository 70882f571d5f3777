"""Stored rows to objects: runs, documents, dataset items and item outcomes.

One decoder per kind of row, shared by the Store (SQLAlchemy) and the lean SQLite reader
(peek.py), so both readers give the same objects and the same errors for a damaged or newer row.
No SQLAlchemy here: a row is anything with the columns as attributes (SQLAlchemy's Row, the
reader's). Outcomes: see outcomes.py for why the failure modes are extracted by the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from shipcall.adapters.store.blobs import ITEM, ITEM_RESULT, RUN_CONFIG
from shipcall.core.datasets import Dataset
from shipcall.core.documents import Document, Section
from shipcall.core.runs import ItemOutcome, Run
from shipcall.errors import StoreError

# The item-result shape whose `failure_modes` field is read directly by `outcomes`. A newer
# shape (an upgrade appended in blobs.py) makes the readers fall back to the full, upgrading one.
OUTCOME_SHAPE_VERSION = 2
LAST_RUN = ("last", "latest", "@last")  # run references meaning the newest run


def run_id(ref: str) -> str:
    """The id of a run reference other than LAST_RUN: `r12`, or `12` for it."""
    return f"r{ref}" if ref.isdigit() else ref


def labels_key(name: str, version: int) -> str:
    """The meta row that keeps a classify dataset version's label set (a JSON list)."""
    return f"dataset_labels:{name}@{version}"


def document(row: Any) -> Document:
    sections = tuple(Section(tuple(h), s, e) for h, s, e in json.loads(row.sections))
    return Document(id=row.id, text=row.text, title=row.title, sections=sections, hash=row.hash)


def run(row: Any) -> Run:
    return Run(
        id=row.id, variant=row.variant, variant_hash=row.variant_hash, dataset=row.dataset,
        dataset_version=row.dataset_version, corpus_version=row.corpus_version, code_version=row.code_version,
        status=row.status, started_at=row.started_at, finished_at=row.finished_at,
        config=RUN_CONFIG.loads(row.config, where=f"run {row.id}"), n_items=row.n_items, errors=row.errors,
        metrics=json.loads(row.metrics), cohorts=json.loads(row.cohorts), task=row.task,
    )


def dataset(name: str, version: int, task: str, raw_labels: str | None, rows: Iterable[Any]) -> Dataset:
    """A dataset version from its item rows (item_id, data) in position order."""
    # here, not at import: the task parsers pull in the metrics, which an ingest never needs
    from shipcall.core.tasks.parsers import item_parser

    labels = json.loads(raw_labels) if raw_labels else []
    parse = item_parser(task, labels)
    if parse is None:
        raise StoreError(f"dataset {name}@{version} holds items of task {task!r}, which is not installed",
                         hint="install the plugin that provides the task")
    items = tuple(parse(ITEM.loads(r.data, where=f"item {r.item_id} of {name}@{version}")) for r in rows)
    return Dataset(name=name, items=items, version=version, task=task, labels=tuple(labels))


def outcomes(rows: Iterable[Any]) -> list[ItemOutcome] | None:
    """Outcomes from rows (item_id, metrics, error, modes, version), or None when a row needs
    the full reader (a shape this code does not read directly)."""
    if ITEM_RESULT.version != OUTCOME_SHAPE_VERSION:
        return None
    out = []
    for r in rows:
        v = 1 if r.version is None else r.version
        if str(v) not in ("1", "2"):
            return None
        out.append(ItemOutcome(r.item_id, json.loads(r.metrics), r.error,
                               json.loads(r.modes) if r.modes is not None else []))
    return out
