"""The classify task: text → one label of a fixed set, with a confidence.

Items are `{"id", "text", "label", "tags"}` (optionally `notes`, `source`); `label` must belong to
the dataset's label set (collected from the items at import, or given one per line with
`--labels FILE`). CSV files import through `parse_csv` (quoted fields, commas and newlines
inside quotes; ids from a column or `row-N`).

Per item the classifier returns a `Classification` (label, confidence, the top scores). Metrics:
per item `accuracy` (= `correct`, 0/1); per run and cohort also `macro_f1`, `weighted_f1`,
`ece` and per-label `precision[L]`/`recall[L]`/`f1[L]` (core/metrics/classification.py).

Failure modes (a wrong item gets `confused_with:<predicted label>` first, then `confident_wrong`
when it applies; a right one with low confidence gets `low_confidence_correct`): see FAILURE_MODES.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shipcall.core.metrics.classification import classification_metrics
from shipcall.core.tasks.items import Fields, cohorts_of, parse_jsonl_items
from shipcall.errors import DatasetError

TASK = "classify"
CONFIDENT = 0.8  # confident_wrong: wrong with at least this confidence
LOW_CONFIDENCE = 0.5  # low_confidence_correct: right with less than this confidence
CONFUSED_WITH = "confused_with:"

FAILURE_MODES: dict[str, str] = {
    "error": "the classifier raised an error for the item",
    "unparseable": "the LLM's reply is not exactly one of the labels (an item error, never mapped to a label)",
    "confused_with": "predicted another label; the mode names it (`confused_with:<label>`), and `show --confusion` "
                     "groups them into the label pairs most often confused",
    "confident_wrong": f"wrong with confidence ≥ {CONFIDENT}",
    "low_confidence_correct": f"right, but with confidence below {LOW_CONFIDENCE}",
}


@dataclass(frozen=True)
class ClassifyItem:
    """One classification case: the text and its gold label."""

    id: str
    text: str
    label: str
    tags: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    source: dict[str, Any] = field(default_factory=dict)

    task = TASK

    @property
    def question(self) -> str:
        """The item's input, under the name the question-answering views use."""
        return self.text

    @property
    def reviewed(self) -> bool:
        """Always: only drafted rag items wait for a person's review."""
        return True

    def cohorts(self, keys: list[str] | None = None) -> list[str]:
        return cohorts_of(self.tags, keys)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "text": self.text, "label": self.label, "tags": dict(self.tags)}
        if self.notes:
            d["notes"] = self.notes
        if self.source:
            d["source"] = dict(self.source)
        return d


@dataclass(frozen=True)
class Classification:
    """What a classifier returns for one text: the label (None when an LLM reply could not be
    parsed), its confidence in [0, 1] (None when the classifier has no probabilities), the best
    labels with their scores, and for an LLM its raw reply and the call's usage (tokens, cost)."""

    label: str | None
    confidence: float | None = None
    scores: tuple[tuple[str, float], ...] = ()
    raw: str = ""
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


_KNOWN = ("id", "text", "label", "tags", "notes", "source")


def parse_item(obj: Any, *, file: str | None = None, line: int | None = None,
               labels: frozenset[str] | None = None) -> ClassifyItem:
    """Validate one decoded JSON object as a ClassifyItem (errors name file, line and field)."""
    f = Fields(obj, file=file, line=line, known=_KNOWN, required=("id", "text", "label"), task=TASK)
    label = f.obj["label"]
    if isinstance(label, (int, float)) and not isinstance(label, bool):
        label = str(label)
    if not isinstance(label, str) or not label.strip():
        raise f.fail("label", f"must be a non-empty string (got {json.dumps(label)})")
    label = label.strip()
    if labels is not None and label not in labels:
        raise f.fail("label", f"{label!r} is not in the dataset's label set", hint=_labels_hint(labels))
    return ClassifyItem(id=f.id(), text=f.text("text"), label=label, tags=f.tags(),
                        notes=f.optional_text("notes"), source=f.mapping("source"))


def _labels_hint(labels: frozenset[str]) -> str:
    shown = sorted(labels)
    more = f", … ({len(shown)} in all)" if len(shown) > 12 else ""
    return f"labels: {', '.join(shown[:12])}{more}; fix the item or add the label to the --labels file"


def parse_jsonl(text: str, *, file: str | None = None, labels: frozenset[str] | None = None) -> list[ClassifyItem]:
    def one(obj: Any, *, file: str | None, line: int) -> ClassifyItem:
        return parse_item(obj, file=file, line=line, labels=labels)

    return parse_jsonl_items(text, one, file=file)


def parse_labels(text: str, *, file: str | None = None) -> frozenset[str]:
    """A label set: one label a line; blank lines and `#` comments skipped; duplicates refused."""
    seen: dict[str, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        label = raw.strip()
        if not label or label.startswith("#"):
            continue
        if label in seen:
            raise DatasetError(f"duplicate label {label!r} (first on line {seen[label]})", file=file, line=n)
        seen[label] = n
    if not seen:
        raise DatasetError("no labels", file=file, hint="write one label a line")
    return frozenset(seen)


def check_labels(items: Sequence[ClassifyItem], labels: frozenset[str], *, file: str | None = None) -> None:
    """Every item's label is in `labels` (used when the label file comes after the items)."""
    for it in items:
        if it.label not in labels:
            raise DatasetError(f"{it.label!r} is not in the dataset's label set (item {it.id})", file=file,
                               field="label", hint=_labels_hint(labels))


def parse_csv(text: str, *, text_column: str, label_column: str, id_column: str | None = None,
              tag_columns: Sequence[str] = (), labels: frozenset[str] | None = None,
              file: str | None = None) -> list[ClassifyItem]:
    """Items from CSV text with a header row (RFC 4180: quoted fields may hold commas, quotes and
    newlines). Ids come from `id_column`, or are `row-N` for the N-th data row (1-based); each
    tag column becomes a tag of that name (an empty cell: no tag). Errors name the line on which
    the row starts and the column."""
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError("empty CSV file", file=file, hint="the first row must name the columns") from None
    except csv.Error as e:
        raise DatasetError(f"malformed CSV: {e}", file=file, line=1) from None
    header = [h.strip() for h in header]
    cols = {name: i for i, name in enumerate(header)}
    for flag, name in (("--text-column", text_column), ("--label-column", label_column), ("--id-column", id_column),
                       *(("--tag-column", t) for t in tag_columns)):
        if name is not None and name not in cols:
            raise DatasetError(f"no column {name!r} in the header", file=file, line=1, field=flag,
                               hint=f"columns: {', '.join(header)}")
    items: list[ClassifyItem] = []
    seen: dict[str, int] = {}
    start = reader.line_num + 1
    row_no = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise DatasetError(f"malformed CSV: {e}", file=file, line=start,
                               hint="quote fields that contain commas, quotes or line breaks") from None
        line, start = start, reader.line_num + 1
        if not row or all(not c.strip() for c in row):
            continue
        row_no += 1
        if len(row) != len(header):
            raise DatasetError(f"expected {len(header)} fields, got {len(row)}", file=file, line=line,
                               hint="quote fields that contain commas")
        item_id = row[cols[id_column]].strip() if id_column else f"row-{row_no}"
        if not item_id:
            raise DatasetError("empty id", file=file, line=line, field=id_column)
        body, label = row[cols[text_column]], row[cols[label_column]].strip()
        if not body.strip():
            raise DatasetError("empty text", file=file, line=line, field=text_column)
        if not label:
            raise DatasetError("empty label", file=file, line=line, field=label_column)
        if labels is not None and label not in labels:
            raise DatasetError(f"{label!r} is not in the dataset's label set", file=file, line=line,
                               field=label_column, hint=_labels_hint(labels))
        if item_id in seen:
            raise DatasetError(f"duplicate id {item_id!r} (first on line {seen[item_id]})", file=file, line=line,
                               field=id_column, hint="item ids must be unique")
        seen[item_id] = line
        tags = {t: row[cols[t]].strip() for t in tag_columns if row[cols[t]].strip()}
        items.append(ClassifyItem(id=item_id, text=body, label=label, tags=tags))
    if not items:
        raise DatasetError("no data rows", file=file, hint="the CSV has a header but no items")
    return items


def label_set(items: Sequence[ClassifyItem]) -> list[str]:
    """The labels the items use, sorted."""
    return sorted({it.label for it in items})


# -- scoring ----------------------------------------------------------------------------------------

def score(item: ClassifyItem, output: Classification) -> dict[str, float]:
    """Per-item metrics: `accuracy` (1 when the prediction is the gold label). `{}` when the
    classifier returned no label (an error)."""
    if output.label is None or output.error is not None:
        return {}
    return {"accuracy": 1.0 if output.label == item.label else 0.0}


def failure_modes(item: ClassifyItem, output: Classification) -> list[str]:
    """The item's failure modes, primary first ([] when right with enough confidence)."""
    if output.label is None:
        return ["unparseable"] if output.raw else ["error"]
    if output.error is not None:
        return ["error"]
    conf = output.confidence
    if output.label != item.label:
        modes = [CONFUSED_WITH + output.label]
        if conf is not None and conf >= CONFIDENT:
            modes.append("confident_wrong")
        return modes
    if conf is not None and conf < LOW_CONFIDENCE:
        return ["low_confidence_correct"]
    return []


def aggregate(gold: Sequence[str], pred: Sequence[str], confidence: Sequence[float | None]) -> dict[str, float]:
    """The run- or cohort-level metrics beyond per-item means: macro/weighted F1, ECE, per label.
    Inputs are the items with a prediction, in one order."""
    out = classification_metrics(gold, pred, confidence)
    out.pop("accuracy", None)  # the mean of the per-item values, computed with every per-item metric
    return out


def failure_mode_info(mode: str) -> str | None:
    """The description of a mode, including `confused_with:<label>`."""
    if mode.startswith(CONFUSED_WITH):
        return f"predicted {mode[len(CONFUSED_WITH):]!r} instead of the gold label"
    return FAILURE_MODES.get(mode)
