"""Ingest a folder or BEIR corpus into the workspace: diff against the stored documents, write
only what changed, record the corpus version, and (re)build the variants' indexes."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipcall.adapters.ingest.loaders import Limits, LoadReport, load_beir, load_folder
from shipcall.app.workspace import Workspace
from shipcall.core.documents import Document, corpus_version
from shipcall.errors import CorpusError


@dataclass
class IngestReport:
    path: str
    format: str
    ingested: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    corpus_version: str = ""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    indexes_built: int = 0
    # each index built, as app.feature.index_summary gives it (with its variant): approximate
    # dense indexes carry their recall@10 against exact search, measured while building
    indexes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "format": self.format, "ingested": self.ingested, "added": self.added,
            "changed": self.changed, "removed": self.removed, "unchanged": self.unchanged,
            "corpus_version": self.corpus_version, "indexes_built": self.indexes_built, "indexes": self.indexes,
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "warnings": [{"file": f, "warning": w} for f, w in self.warnings],
        }


@contextmanager
def collector_paused(pause: bool = True) -> Iterator[None]:
    """Python's cyclic garbage collector paused while a corpus is read and indexed. The ingest
    makes hundreds of thousands of objects that live until it ends (documents, sections, chunk
    places) and no reference cycles; each time the collector ran it walked all of them again,
    a sixth of an ingest's CPU time (measured: 20,000 documents, 6.9 s with it, 5.8 s without)."""
    was = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def ingest(ws: Workspace, path: str | None, fmt: str | None = None, *,
           show_progress: bool | None = None, embedder: Any = None) -> IngestReport:
    """Read, store and index the corpus. `show_progress`: None shows bars on stderr for the
    steps that last more than a second (reading files, chunking, indexing, embedding); False
    shows none (`--quiet`). `embedder`: where dense embeddings are computed (Ray), None here."""
    # not while a model embeds for minutes or hours (dense, hybrid, a plugin's kind): its library's
    # objects may well hold cycles, and BM25's build is not what such an ingest waits for
    bm25_only = all(v.retriever.kind == "bm25" for v in ws.config.variants.values())
    with collector_paused(bm25_only):
        return _ingest(ws, path, fmt, show_progress=show_progress, embedder=embedder)


def _ingest(ws: Workspace, path: str | None, fmt: str | None, *, show_progress: bool | None,
            embedder: Any) -> IngestReport:
    store = ws.store
    if path is None:
        recorded = ws.corpus_path()
        if recorded is None:
            raise CorpusError("no corpus path given and none recorded in this workspace",
                              hint="run `shipcall ingest PATH` with a folder of documents")
        root = recorded
        fmt = fmt or store.get_meta("corpus_format") or ws.config.corpus.format
    else:
        root = Path(path).expanduser().resolve()
        fmt = fmt or "folder"
    if not root.exists():
        raise CorpusError("no such file or folder", file=str(root))
    c = ws.config.corpus
    limits = Limits(max_file_mb=c.max_file_mb, max_chars=c.max_chars, max_seconds=c.max_seconds,
                    max_pdf_pages=c.max_pdf_pages)
    loaded: LoadReport = (load_beir(root, show_progress=show_progress) if fmt == "beir" else
                          load_folder(root, limits=limits, show_progress=show_progress))
    report = IngestReport(path=str(root), format=fmt, skipped=loaded.skipped, warnings=loaded.warnings)
    if not loaded.documents:
        what = f"; skipped {len(loaded.skipped)}" if loaded.skipped else ""
        raise CorpusError(f"nothing to ingest in {root} (ingested 0{what})",
                          hint="supported: .md .html .txt .pdf, or --format beir for a BEIR corpus.jsonl"
                          + "".join(f"\n  skipped {f}: {r}" for f, r in loaded.skipped[:20]))
    old = store.document_hashes()
    new = {d.id: d.hash for d in loaded.documents}
    upserts = [d for d in loaded.documents if old.get(d.id) != d.hash]
    removed = [i for i in old if i not in new]
    report.ingested = len(loaded.documents)
    report.added = sum(1 for d in upserts if d.id not in old)
    report.changed = len(upserts) - report.added
    report.removed = len(removed)
    report.unchanged = report.ingested - len(upserts)
    report.corpus_version = corpus_version(new)
    if upserts or removed or store.corpus_version() != report.corpus_version:
        store.apply_corpus_changes(upserts, removed, report.corpus_version)
    store.set_meta("corpus_path", str(root))
    store.set_meta("corpus_format", fmt)
    report.indexes_built = build_indexes(ws, report.corpus_version, show_progress=show_progress,
                                         warnings=report.warnings, embedder=embedder, built=report.indexes,
                                         documents=loaded.documents)
    from shipcall.adapters.retrievers.bm25 import prune_indexes

    prune_indexes(ws.index_dir, report.corpus_version)  # obsolete versions and what killed builds left
    return report


def build_indexes(ws: Workspace, version: str, *, show_progress: bool | None = None,
                  warnings: list[tuple[str, str]] | None = None, embedder: Any = None,
                  built: list[dict[str, Any]] | None = None, documents: list[Document] | None = None) -> int:
    """Build (or find) the index of every variant, once per distinct index; `built` receives a
    summary of each index built (app.feature.index_summary, with the variant's name). `documents`:
    the corpus as just stored (ingest holds it; otherwise the store is read)."""
    from shipcall.app.feature import ensure_index, index_key, index_summary, stale_index_paths
    from shipcall.errors import MissingExtraError

    n_built = 0
    seen: set[str] = set()
    for name, variant in ws.config.variants.items():
        key = index_key(variant, version)
        if key in seen:
            continue
        seen.add(key)
        stale = stale_index_paths(ws, variant, version)
        if stale:
            try:
                ensure_index(ws, variant, version, show_progress=show_progress, embedder=embedder,
                             documents=documents)
            except MissingExtraError as e:  # the documents are in; that variant fails clearly when used
                if warnings is not None:
                    warnings.append((f"variant {name}", f"index not built: {e.message}; {e.hint}"))
                continue
            n_built += 1
            if built is not None:
                built.extend({"variant": name, **index_summary(p)} for p in stale)
    return n_built
