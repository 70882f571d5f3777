"""What `shipcall ingest` says about skipped files (grouped by reason, not one line each) and
about the approximate indexes it built."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

IMAGE = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".ico", ".tif", ".tiff", ".heic"}
SINGULAR = {"images": "image", "empty files": "empty file",
            "files of an unsupported type": "file of an unsupported type", "binary files": "binary file",
            "files above corpus.max_file_mb": "file above corpus.max_file_mb",
            "PDFs without usable text": "PDF without usable text"}
LOW_RECALL = 0.9  # an approximate index below this loses one relevant chunk in ten: say which knob to turn
_DETAIL = re.compile(r"\s*\(.*\)$|:.*$")


def _group(path: str, reason: str) -> tuple[str, str]:
    """(group label, extension) of one skipped file."""
    ext = PurePosixPath(path).suffix.lower()
    if reason.startswith("unsupported file type"):
        return ("images" if ext in IMAGE else "files of an unsupported type"), ext or "(none)"
    if reason == "empty file":
        return "empty files", ext
    if reason.startswith("binary content"):
        return "binary files", ext
    if reason.startswith("too large"):
        return "files above corpus.max_file_mb", ext
    if reason.startswith("PDF"):
        return "PDFs without usable text", ext
    return _DETAIL.sub("", reason) or reason, ext


def skip_summary(skipped: Sequence[tuple[str, str]]) -> list[str]:
    """One line per kind of skip, largest first: "97 images (.png, .jpg, .svg)"."""
    groups: dict[str, list[str]] = defaultdict(list)
    for path, reason in skipped:
        label, ext = _group(path, reason)
        groups[label].append(ext)
    lines = []
    for label, exts in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        kinds = sorted({e for e in exts if e}, key=lambda e: -exts.count(e))
        shown = f" ({', '.join(kinds[:6])}{', …' if len(kinds) > 6 else ''})" if kinds else ""
        lines.append(f"{len(exts)} {SINGULAR.get(label, label) if len(exts) == 1 else label}{shown}")
    return lines


def index_lines(indexes: Sequence[dict[str, Any]]) -> list[str]:
    """One line per approximate index built, with its recall@10 against exact search (measured
    while building): the number that says what the approximation costs in quality."""
    lines = []
    for ix in indexes:
        ann = ix.get("ann") or {}
        if not ann.get("approximate"):
            continue
        if ann.get("index") == "lancedb":
            how = (f"LanceDB {ann.get('index_type', 'IVF')} on disk ({ann.get('partitions'):,} partitions, "
                   f"{ann.get('nprobes'):,} searched per query"
                   + (f", the fewest reaching recall@10 {ann['tuned_to']}" if ann.get("tuned_to") else "") + ")")
        else:
            how = "usearch HNSW in memory"
        value = next((v for k, v in ann.items() if k.startswith("recall@")), None)
        recall = f"recall@10 {value:.3f}" if value is not None else "recall not measured"
        line = (f"index for variant {ix.get('variant')}: {how}, {ix.get('n_chunks') or 0:,} chunks; "
                f"{recall} against exact search ({ann.get('queries', 0)} queries)")
        if value is not None and value < LOW_RECALL:
            knob = "ann_nprobes" if ann.get("index") == "lancedb" else "ann_expansion"
            line += f" — below {LOW_RECALL}: raise `{knob}` (more recall, slower queries)"
        lines.append(line)
    return lines
