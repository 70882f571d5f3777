"""Read evaluation datasets (JSONL items, or BEIR queries + qrels) and store new versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.app.workspace import Workspace
from shipcall.core.datasets import Item, dataset_hash, parse_jsonl
from shipcall.core.jsonl import json_lines
from shipcall.errors import DatasetError, DatasetErrors, ShipcallError


@dataclass
class ImportReport:
    name: str
    version: int
    created: bool
    n_items: int
    hash: str
    left_out: int = 0
    warnings: list[str] = field(default_factory=list)
    task: str = "rag"
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # next steps, e.g. cohorts the contract could compare

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"name": self.name, "version": self.version, "created": self.created,
                                  "n_items": self.n_items, "hash": self.hash, "left_out_unjudged": self.left_out,
                                  "warnings": self.warnings, "task": self.task, "notes": self.notes}
        if self.task == "classify":
            out["labels"] = self.labels
        return out


def read_text(path: Path) -> str:
    """A dataset file's text; a missing file, a folder or bytes that are not UTF-8 are DatasetErrors."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise DatasetError("is a folder", file=str(path),
                           hint="pass a .jsonl file, or --format beir for a BEIR folder") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DatasetError("not valid UTF-8", file=str(path), line=line, hint="save the file as UTF-8") from None


TASK_FIELDS = {"text": "classify or summarize", "label": "classify", "reference_summaries": "summarize",
               "key_points": "summarize"}


def read_jsonl(path: Path, documents: Collection[str] | None = None) -> list[Item]:
    """A JSONL dataset, every bad line reported; with `documents`, unknown evidence ids are errors."""
    try:
        return parse_jsonl(read_text(path), file=str(path), documents=documents)
    except DatasetError as e:  # items of another task imported without --task: say which
        first = e.errors[0] if isinstance(e, DatasetErrors) and e.errors else e
        if first.message == "unknown field" and first.field in TASK_FIELDS:
            e.hint = f"these look like {TASK_FIELDS[first.field]} items: add --task " \
                     f"{TASK_FIELDS[first.field].split()[-1]}"
        raise


def read_beir(folder: Path, split: str) -> tuple[list[Item], int]:
    """BEIR queries with at least one judgement above 0 in qrels/<split>.tsv.

    Returns the items (evidence = graded relevance; no gold answers) and how many queries had
    no positive judgement and were left out. Handles CRLF line endings and a header row."""
    qpath, rpath = folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"
    for p in (qpath, rpath):
        if not p.is_file():
            raise DatasetError("missing", file=str(p), hint="a BEIR folder has queries.jsonl and qrels/<split>.tsv")
    qrels: dict[str, dict[str, int]] = {}
    with rpath.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            parts = line.rstrip("\r\n").split("\t")
            if not line.strip():
                continue
            if len(parts) < 3:
                parts = line.split()
            if len(parts) < 3:
                raise DatasetError("expected query-id, corpus-id, score", file=str(rpath), line=n)
            q, d, s = parts[0], parts[1], parts[-1]
            try:
                grade = int(float(s))
            except ValueError:
                if n == 1:
                    continue  # header row
                raise DatasetError(f"score must be an integer (got {s!r})", file=str(rpath), line=n) from None
            if grade > 0:
                qrels.setdefault(q, {})[d] = grade
    items: list[Item] = []
    total = 0
    hint = "each line must be one JSON object with _id, text"
    for n, obj in json_lines(read_text(qpath), file=str(qpath), hint=hint):
        if not isinstance(obj, dict) or "_id" not in obj or not isinstance(obj.get("text"), str):
            raise DatasetError("needs `_id` and `text`", file=str(qpath), line=n)
        total += 1
        qid = str(obj["_id"])
        if qid in qrels:
            items.append(Item(id=qid, question=obj["text"], evidence=qrels[qid]))
    if not items:
        raise DatasetError(f"no query in queries.jsonl has a judgement above 0 in qrels/{split}.tsv",
                           file=str(folder), hint="check --split")
    return items, total - len(items)


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold what (`dataset import --format csv`)."""

    text: str = "text"
    label: str = "label"
    id: str | None = None
    tags: tuple[str, ...] = ()


def read_task_items(path: Path, task: str, fmt: str, columns: CsvColumns | None,
                    labels: frozenset[str] | None) -> list[Any]:
    """Items of a classify or summarize file: JSONL, or CSV for classify."""
    from shipcall.core.tasks import classify, summarize

    text = read_text(path)
    if fmt == "csv":
        if task != "classify":
            raise DatasetError(f"--format csv imports classify datasets, not {task}", field="--format",
                               hint="write the items as JSONL, one object a line")
        c = columns or CsvColumns()
        return classify.parse_csv(text, text_column=c.text, label_column=c.label, id_column=c.id,
                                  tag_columns=c.tags, labels=labels, file=str(path))
    if task == "classify":
        return classify.parse_jsonl(text, file=str(path), labels=labels)
    return summarize.parse_jsonl(text, file=str(path))


def import_dataset(ws: Workspace, source: str, name: str, *, fmt: str = "jsonl", split: str = "test",
                   task: str = "rag", columns: CsvColumns | None = None, labels_file: str | None = None,
                   allow_unknown_evidence: bool = False) -> ImportReport:
    """Validate a dataset file for its task and store it as a new version of `name` (when its
    content changed). classify: the label set is `labels_file` (one label a line) or else the
    labels the items use; JSONL or `fmt="csv"` with `columns`. summarize: JSONL. rag: JSONL or BEIR.

    A JSONL file is checked whole: every bad line (up to 50) is reported and nothing is stored.
    Evidence must name documents of the corpus (an unknown id would silently zero the item's
    retrieval metrics): an error suggesting the nearest ids, unless `allow_unknown_evidence`
    (then a warning). BEIR qrels judge a published corpus that is often ingested in part, so
    their unknown ids stay warnings."""
    from shipcall.core.names import check_name

    check_name(name, what="dataset", field="--name")  # before reading a large file
    path = Path(source).expanduser()
    left_out = 0
    labels: list[str] = []
    if task not in ("rag", "classify", "summarize"):
        raise DatasetError(f"unknown task {task!r}", field="--task", hint="one of: rag, classify, summarize")
    if labels_file is not None and task != "classify":
        raise DatasetError("--labels applies to classify datasets", field="--labels")
    if task != "rag":
        if fmt == "beir":
            raise DatasetError(f"--format beir imports rag datasets, not {task}", field="--format")
        allowed = None
        if labels_file is not None:
            from shipcall.core.tasks.classify import parse_labels

            lpath = Path(labels_file).expanduser()
            allowed = parse_labels(read_text(lpath), file=str(lpath))
        items: list[Any] = read_task_items(path, task, fmt, columns, allowed)
        if task == "classify":
            from shipcall.core.tasks.classify import label_set

            labels = sorted(allowed) if allowed is not None else label_set(items)
    elif fmt == "csv":
        raise DatasetError("--format csv imports classify datasets", field="--format",
                           hint="add --task classify (and --text-column, --label-column)")
    elif fmt == "beir":
        items, left_out = read_beir(path, split)
    else:
        known_docs = ws.store.document_hashes()
        items = read_jsonl(path, documents=known_docs if known_docs and not allow_unknown_evidence else None)
    known = ws.store.document_hashes() if task == "rag" else {}
    warnings: list[str] = []
    if known:
        for it in items:
            for doc in it.evidence:
                if doc not in known:
                    warnings.append(f"item {it.id}: evidence {doc!r} is not in the corpus")
    elif task == "rag" and any(it.evidence for it in items):
        warnings.append("the workspace has no corpus yet, so evidence ids were not checked: "
                        "`shipcall ingest` first to have them checked")
    if task == "classify" and len(labels) < 2:
        warnings.append(f"only one label ({labels[0]!r}): every classifier is trivially right")
    h = dataset_hash(items)
    if task == "classify" and labels != sorted({it.label for it in items}):  # a label file adds unused labels
        h = hashlib.sha256(f"{h}\n{json.dumps(labels)}".encode()).hexdigest()[:16]
    version, created = ws.store.save_dataset(name, items, h, source=str(path.resolve()), warnings=warnings,
                                             task=task, labels=labels)
    return ImportReport(name, version, created, len(items), h, left_out, warnings, task=task, labels=labels,
                        notes=_cohort_notes(ws, items))


def _cohort_notes(ws: Workspace, items: list[Item]) -> list[str]:
    """When the contract compares no cohorts yet and the items are tagged: say how to compare them."""
    from shipcall.core.contract_fit import cohort_keys

    try:
        if ws.contract().cohorts:
            return []
    except ShipcallError:  # an invalid contract.yaml is reported by the commands that use it
        return []
    keys = cohort_keys(it.tags for it in items)
    if not keys:
        return []
    return [f"contract.yaml compares no cohorts yet; these items are tagged {', '.join(keys)}: set "
            f"`cohorts: [{', '.join(keys)}]` there to see every metric per cohort"]


def parse_ref(ref: str) -> tuple[str, int | None]:
    """NAME or NAME@VERSION."""
    if "@" in ref:
        name, _, v = ref.rpartition("@")
        if not v.isdigit():
            raise DatasetError(f"bad version in {ref!r}", hint="write NAME@VERSION, e.g. sample@2")
        return name, int(v)
    return ref, None


def dataset_summary(ws: Workspace, ref: str, by: list[str] | None = None) -> dict[str, Any]:
    """`shipcall dataset show`: item counts, answerable share, counts per cohort, import warnings."""
    from collections import Counter

    name, version = parse_ref(ref)
    ds = ws.store.load_dataset(name, version)
    keys = list(by or []) or sorted({k for it in ds.items for k in it.tags})
    cohorts = {k: dict(sorted(Counter(it.tags.get(k, "(none)") for it in ds.items).items())) for k in keys}
    meta = next(r for r in ws.store.dataset_versions(name) if r["version"] == ds.version)
    items: list[Any] = list(ds.items)  # a classify or summarize dataset's items have their own fields
    out: dict[str, Any] = {"name": name, "version": ds.version, "task": ds.task, "hash": ds.hash,
                           "n_items": len(ds.items),
                           "unreviewed": sum(not it.reviewed for it in items)}  # drafted with --accept, unchecked
    if ds.task == "classify":
        counts = Counter(it.label for it in items)
        out |= {"labels": {label: counts.get(label, 0) for label in (ds.labels or sorted(counts))},
                "unused_labels": [label for label in ds.labels if not counts.get(label)]}
    elif ds.task == "summarize":
        words = [len(it.text.split()) for it in items]
        out |= {"text_words_mean": sum(words) / len(words),
                "with_key_points": sum(1 for it in items if it.key_points),
                "references_per_item": sum(len(it.reference_summaries) for it in items) / len(items)}
    else:
        out |= {"answerable": sum(it.answerable for it in items),
                "with_evidence": sum(bool(it.evidence) for it in items),
                "with_answers": sum(bool(it.answers) for it in items)}
    return out | {"cohorts": cohorts, "warnings": meta["warnings"]}


def dataset_template(ws: Workspace | None) -> str:
    """`dataset import --template`: a commented example file; inside a workspace with a corpus
    it also shows a few real document ids."""
    from shipcall.core.datasets import item_template

    ids = sorted(ws.store.document_hashes()) if ws is not None else []
    return item_template(ids)
