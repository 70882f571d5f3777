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


# The `sections` column: a JSON list with one entry a section, [k, heading…, start, end], where the
# section's heading path is the first k headings of the previous section's then the headings
# listed, and start is left out when it is the previous section's end. Every section of a Markdown
# document repeats the path above it (its title first), which this stores once: 40% of the
# column, 2% of a store (BENCHMARKS.md, ingest section). Rows written before it hold
# [[heading…], start, end] entries, which read as they always did.

def sections_json(sections: Iterable[Section]) -> str:
    out: list[list[Any]] = []
    prev: tuple[str, ...] = ()
    end = 0
    for sec in sections:
        path = tuple(sec.heading_path)
        k = 0
        while k < len(prev) and k < len(path) and prev[k] == path[k]:
            k += 1
        out.append([k, *path[k:], *([] if sec.start == end else [sec.start]), sec.end])
        prev, end = path, sec.end
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


def sections_of(raw: str) -> tuple[Section, ...]:
    out: list[Section] = []
    prev: tuple[str, ...] = ()
    end = 0
    for entry in json.loads(raw):
        if entry[0].__class__ is list:  # a row written before the shared-prefix form
            out.append(Section(tuple(entry[0]), entry[1], entry[2]))
            prev, end = out[-1].heading_path, entry[2]
            continue
        if len(entry) > 2 and entry[-2].__class__ is int:
            start, stop, tail = entry[-2], entry[-1], entry[1:-2]
        else:
            start, stop, tail = end, entry[-1], entry[1:-1]
        path = prev[:entry[0]] + tuple(tail)
        out.append(Section(path, start, stop))
        prev, end = path, stop
    return tuple(out)


def document(row: Any) -> Document:
    return Document(id=row.id, text=row.text, title=row.title, sections=sections_of(row.sections), hash=row.hash)


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
