"""Read evaluation datasets (JSONL items, or BEIR queries + qrels) and store new versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.app.workspace import Workspace
from shipcall.core.datasets import Item, dataset_hash, parse_jsonl
from shipcall.core.jsonl import json_lines
from shipcall.errors import DatasetError


@dataclass
class ImportReport:
    name: str
    version: int
    created: bool
    n_items: int
    hash: str
    left_out: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "created": self.created, "n_items": self.n_items,
                "hash": self.hash, "left_out_unjudged": self.left_out, "warnings": self.warnings}


def read_jsonl(path: Path) -> list[Item]:
    return parse_jsonl(_read_text(path), file=str(path))


def _read_text(path: Path) -> str:
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
    for n, obj in json_lines(_read_text(qpath), file=str(qpath), hint=hint):
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


def import_dataset(ws: Workspace, source: str, name: str, *, fmt: str = "jsonl", split: str = "test") -> ImportReport:
    path = Path(source).expanduser()
    left_out = 0
    if fmt == "beir":
        items, left_out = read_beir(path, split)
    else:
        items = read_jsonl(path)
    known = ws.store.document_hashes()
    warnings: list[str] = []
    if known:
        for it in items:
            for doc in it.evidence:
                if doc not in known:
                    warnings.append(f"item {it.id}: evidence {doc!r} is not in the corpus")
    h = dataset_hash(items)
    version, created = ws.store.save_dataset(name, items, h, source=str(path.resolve()), warnings=warnings)
    return ImportReport(name, version, created, len(items), h, left_out, warnings)


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
    return {"name": name, "version": ds.version, "hash": ds.hash, "n_items": len(ds.items),
            "unreviewed": sum(not it.reviewed for it in ds.items),  # drafted with --accept, nobody checked them
            "answerable": sum(it.answerable for it in ds.items),
            "with_evidence": sum(bool(it.evidence) for it in ds.items),
            "with_answers": sum(bool(it.answers) for it in ds.items),
            "cohorts": cohorts, "warnings": meta["warnings"]}
