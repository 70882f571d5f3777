"""Item and Dataset: versioned evaluation cases, parsed and validated without I/O."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from shipcall.core.ids import nearest_ids
from shipcall.core.jsonl import parse_lines
from shipcall.errors import DatasetError, DatasetErrors

ASSERTION_TYPES = ("contains", "not-contains", "regex", "not-regex", "equals", "min-length", "max-length")


@dataclass(frozen=True)
class Assertion:
    type: str
    value: Any


@dataclass(frozen=True)
class Item:
    """One evaluation case.

    `evidence` maps document id → graded relevance (> 0); a list in the file means grade 1.
    `answers` is any-of. `answerable=False` items expect an abstention. `reviewed=False` marks
    an item drafted from the corpus and stored without a person's review (`dataset draft
    --accept`); reports count such items. `human_labels` are a
    person's verdicts on judge metrics (`"human_label": {"correctness": 4}`; a single value,
    stored under "*", applies to every judge metric), for the judge's agreement (Cohen's kappa).
    """

    id: str
    question: str
    answers: tuple[str, ...] = ()
    answerable: bool = True
    evidence: dict[str, int] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    assertions: tuple[Assertion, ...] = ()
    notes: str = ""
    source: dict[str, Any] = field(default_factory=dict)
    human_labels: dict[str, str] = field(default_factory=dict)
    reviewed: bool = True  # False: drafted and stored with `dataset draft --accept`, nobody has reviewed it

    def cohorts(self, keys: list[str] | None = None) -> list[str]:
        """The item's cohorts as `tag=value` strings, for the given tag keys (all if None)."""
        keys = sorted(self.tags) if keys is None else keys
        return [f"{k}={self.tags[k]}" for k in keys if k in self.tags]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "answerable": self.answerable,
            "evidence": dict(self.evidence),
            "tags": dict(self.tags),
        }
        if self.assertions:
            d["assert"] = [{"type": a.type, "value": a.value} for a in self.assertions]
        if self.notes:
            d["notes"] = self.notes
        if self.source:
            d["source"] = dict(self.source)
        if self.human_labels:
            d["human_label"] = (self.human_labels["*"] if set(self.human_labels) == {"*"}
                                else dict(self.human_labels))
        if not self.reviewed:
            d["reviewed"] = False
        return d


@dataclass(frozen=True)
class Dataset:
    """A named, versioned list of items of one task type (rag, classify, summarize). `hash`
    identifies the content; versions are immutable. A classify dataset has its label set."""

    name: str
    items: tuple[Item, ...]
    version: int = 0
    task: str = "rag"
    labels: tuple[str, ...] = ()

    @property
    def hash(self) -> str:
        return dataset_hash(self.items)


def dataset_hash(items: tuple[Item, ...] | list[Item]) -> str:
    h = hashlib.sha256()
    for item in sorted(items, key=lambda i: i.id):
        h.update(json.dumps(item.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:16]


def _type_name(v: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "list", dict: "mapping"}.get(
        type(v), type(v).__name__
    )


def parse_item(obj: Any, *, file: str | None = None, line: int | None = None) -> Item:
    """Validate one decoded JSON object as an Item; errors name the file, line and field."""

    def fail(fld: str, msg: str, hint: str | None = None) -> DatasetError:
        return DatasetError(msg, file=file, line=line, field=fld, hint=hint)

    if not isinstance(obj, dict):
        raise fail("item", f"must be a JSON object (got {_type_name(obj)})")
    known = {"id", "question", "answers", "answerable", "evidence", "tags", "assert", "notes", "source",
             "human_label", "reviewed"}
    unknown = sorted(set(obj) - known)
    if unknown:
        raise fail(unknown[0], "unknown field", hint=f"allowed fields: {', '.join(sorted(known))}")
    for key in ("id", "question"):
        if key not in obj:
            raise fail(key, "missing", hint='every item needs "id" and "question"')
    item_id, question = obj["id"], obj["question"]
    if isinstance(item_id, int) and not isinstance(item_id, bool):
        item_id = str(item_id)
    if not isinstance(item_id, str) or not item_id.strip():
        raise fail("id", f"must be a non-empty string (got {json.dumps(item_id)})")
    if not isinstance(question, str) or not question.strip():
        raise fail("question", f"must be a non-empty string (got {json.dumps(question)})")
    answers = obj.get("answers", [])
    if isinstance(answers, str):
        answers = [answers]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise fail("answers", f"must be a list of strings (got {_type_name(answers)})")
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise fail("answerable", f"must be true or false (got {json.dumps(answerable)})")
    evidence_raw = obj.get("evidence", [])
    evidence: dict[str, int] = {}
    if isinstance(evidence_raw, list):
        for e in evidence_raw:
            if not isinstance(e, str):
                raise fail("evidence", f"must list document ids as strings (got {json.dumps(e)})")
            evidence[e] = 1
    elif isinstance(evidence_raw, dict):
        for doc, grade in evidence_raw.items():
            if isinstance(grade, bool) or not isinstance(grade, int):
                raise fail(f"evidence.{doc}", f"relevance must be an integer (got {json.dumps(grade)})")
            if grade > 0:
                evidence[doc] = grade
    else:
        raise fail("evidence", f"must be a list of document ids or a mapping id → relevance "
                   f"(got {_type_name(evidence_raw)})")
    if answerable and not [a for a in answers if a.strip()] and not evidence:
        raise fail("answers", "an answerable item needs answers or evidence",
                   hint='add "answers": [...] or "evidence": [...], or set "answerable": false')
    tags_raw = obj.get("tags", {})
    if not isinstance(tags_raw, dict):
        raise fail("tags", f"must be a mapping of tag → value (got {_type_name(tags_raw)})")
    tags: dict[str, str] = {}
    for k, v in tags_raw.items():
        if isinstance(v, (dict, list)) or v is None:
            raise fail(f"tags.{k}", f"must be a string, number or boolean (got {_type_name(v)})")
        tags[str(k)] = str(v).lower() if isinstance(v, bool) else str(v)
    asserts_raw = obj.get("assert", [])
    if not isinstance(asserts_raw, list):
        raise fail("assert", f"must be a list (got {_type_name(asserts_raw)})")
    assertions: list[Assertion] = []
    for i, a in enumerate(asserts_raw):
        if not isinstance(a, dict) or "type" not in a or "value" not in a:
            raise fail(f"assert[{i}]", 'must be {"type": ..., "value": ...}')
        if a["type"] not in ASSERTION_TYPES:
            raise fail(f"assert[{i}].type", f"unknown assertion type {json.dumps(a['type'])}",
                       hint=f"one of: {', '.join(ASSERTION_TYPES)}")
        assertions.append(Assertion(a["type"], a["value"]))
    reviewed = obj.get("reviewed", True)
    if not isinstance(reviewed, bool):
        raise fail("reviewed", f"must be true or false (got {json.dumps(reviewed)})")
    notes = obj.get("notes", "")
    if not isinstance(notes, str):
        raise fail("notes", f"must be a string (got {_type_name(notes)})")
    source = obj.get("source", {})
    if not isinstance(source, dict):
        raise fail("source", f"must be a mapping (got {_type_name(source)})")
    human_raw = obj.get("human_label", {})
    human: dict[str, str] = {}
    if isinstance(human_raw, dict):
        for k, v in human_raw.items():
            if isinstance(v, (dict, list)) or v is None:
                raise fail(f"human_label.{k}", f"must be a string, number or boolean (got {_type_name(v)})")
            human[str(k)] = _label(v)
    elif isinstance(human_raw, (list,)) or human_raw is None:
        raise fail("human_label", f"must be a verdict or a mapping judge metric → verdict "
                   f"(got {_type_name(human_raw)})")
    else:
        human["*"] = _label(human_raw)
    return Item(
        id=item_id,
        question=question,
        answers=tuple(a for a in answers if a.strip()) if answerable else (),
        answerable=answerable,
        evidence=evidence,
        tags=tags,
        assertions=tuple(assertions),
        notes=notes,
        source=source,
        human_labels=human,
        reviewed=reviewed,
    )


def _label(v: Any) -> str:
    """A human verdict as text: true/false → yes/no, 4.0 → 4 (as judge scales spell them)."""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def parse_jsonl(text: str, *, file: str | None = None, documents: Collection[str] | None = None) -> list[Item]:
    """Parse a JSONL dataset: every bad line is reported (up to MAX_ERRORS, with its line and
    field), not just the first. Blank lines and lines starting with '#' are skipped; duplicate
    ids are an error. With `documents` (the corpus's ids), evidence naming any other id is an
    error suggesting the nearest ids."""
    def one(obj: Any, line: int) -> Item:
        item = parse_item(obj, file=file, line=line)
        if documents is not None:
            unknown = unknown_evidence(item, documents, file=file, line=line)
            if unknown:
                raise DatasetErrors(unknown, file=file)
        return item

    items = parse_lines(text, one, file=file, comments=True)
    if not items:
        raise DatasetError("no items", file=file, hint="a dataset is a JSONL file with one item a line")
    return items


def unknown_evidence(item: Item, documents: Collection[str], *, file: str | None = None,
                     line: int | None = None) -> list[DatasetError]:
    """One error per evidence id the corpus does not have, with the nearest ids as a hint: an
    unknown id would silently zero the item's retrieval metrics."""
    errors = []
    for doc in item.evidence:
        if doc in documents:
            continue
        close = nearest_ids(doc, documents)
        hint = (f"did you mean {' or '.join(close)}? " if close else "") + \
            "`shipcall docs list` prints the ids (paths relative to the ingested folder)"
        errors.append(DatasetError(f"unknown document id {json.dumps(doc)}", file=file, line=line,
                                   field="evidence", hint=hint))
    return errors


ITEM_TEMPLATE = """\
# One item a line, as JSON. Lines starting with # are comments; blank lines are skipped.
#   id          unique text; how compare, gate and reviews name the item
#   question    what a user would ask
#   answers     any of these counts as right (short phrases work best: "20 days")
#   answerable  false when the documents do not cover it: the right output is an abstention
#   evidence    ids of the documents that hold the answer, as `shipcall docs list` prints them
#               (paths relative to the ingested folder); {{"id": 2}} grades relevance (default 1)
#   tags        cohorts: metrics are reported per value (topic=hr, difficulty=easy, ...)
#   assert      optional checks of the answer text: contains, not-contains, regex, not-regex,
#               equals, min-length, max-length
#   notes       optional, for people{ids}
{{"id": "pto-01", "question": "How many days of paid time off do full-time employees get?", \
"answers": ["20 days"], "answerable": true, "evidence": ["hr/time-off.md"], "tags": {{"topic": "hr"}}, \
"assert": [{{"type": "contains", "value": "20"}}], "notes": "the handbook's 2026 figure"}}
{{"id": "pto-02", "question": "What is the CEO's home address?", "answers": [], "answerable": false, \
"tags": {{"topic": "hr"}}}}
"""


def item_template(document_ids: list[str] | None = None) -> str:
    """A commented dataset file with two items (one answerable, one not); with the workspace's
    `document_ids`, a comment shows a few, as evidence must spell them."""
    ids = ""
    if document_ids:
        shown = ", ".join(document_ids[:3]) + (f" (+{len(document_ids) - 3:,} more)" if len(document_ids) > 3 else "")
        ids = f"\n# This workspace's document ids: {shown}"
    return ITEM_TEMPLATE.format(ids=ids)


def diff_items(old: list[Item] | tuple[Item, ...], new: list[Item] | tuple[Item, ...]) -> dict[str, list[str]]:
    """Added, removed and changed item ids between two versions."""
    a = {i.id: i for i in old}
    b = {i.id: i for i in new}
    return {
        "added": sorted(set(b) - set(a)),
        "removed": sorted(set(a) - set(b)),
        "changed": sorted(k for k in set(a) & set(b) if a[k].to_dict() != b[k].to_dict()),
    }
