"""The documents' text is stored once (in the store); indexes keep where their chunks lie."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from shipcall.adapters.store.store import Store
from shipcall.app.feature import Feature
from shipcall.app.ingest import ingest
from shipcall.errors import CorpusError

PHRASE = "Use the WireGuard client from now on."


def index_bytes(ws) -> bytes:  # noqa: ANN001
    """Every file of every index, gzipped ones unpacked."""
    out = b""
    for p in ws.index_dir.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            out += gzip.decompress(raw) if p.suffix == ".gz" else raw
    return out


def test_the_index_holds_no_text_and_answers_from_the_store(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    (corpus_dir / "it" / "vpn.md").write_text(f"# VPN\n\n{PHRASE}\n")
    ingest(ws, str(corpus_dir))
    assert PHRASE.encode() not in index_bytes(ws)
    assert PHRASE in ws.store.document("it/vpn.md").text
    for name in ("baseline", "small", "doc"):
        chunks = Feature.open(ws, name).retriever.chunks
        docs = {d.id: d.text for d in ws.store.documents()}
        assert chunks and all(c.text == docs[c.doc_id][c.start:c.end] for c in chunks)
    r = Feature.open(ws, "baseline").answer("Which VPN client should I use?")
    assert any("WireGuard" in sc.chunk.text for sc in r.chunks)


def test_ingest_chunks_the_documents_it_read_without_reading_them_back(ws, corpus_dir: Path,  # noqa: ANN001
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def no_read_back(self: Store) -> None:
        raise AssertionError("ingest read the documents back from the store")

    monkeypatch.setattr(Store, "documents", no_read_back)
    report = ingest(ws, str(corpus_dir))
    assert report.indexes_built == 3


def test_chunks_are_in_document_id_order_whatever_the_folder_order(ws, tmp_path: Path) -> None:  # noqa: ANN001
    """A walk visits `a/` before `a-b/`; ids sort "a-b/…" first. Chunks follow the ids (as the store
    orders them), so an index built at ingest equals one built later from the store."""
    corpus = tmp_path / "ordered"
    for rel in ("a/b.md", "a-b/c.md", "a.md"):
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(f"# {rel}\n\nText of {rel} about travel.\n")
    ingest(ws, str(corpus))
    at_ingest = [c.id for c in Feature.open(ws, "baseline").retriever.chunks]
    assert [c.split("#")[0] for c in at_ingest] == sorted(["a/b.md", "a-b/c.md", "a.md"])
    shutil.rmtree(ws.index_dir)
    rebuilt = Feature.open(ws, "baseline")
    assert rebuilt.built_index and [c.id for c in rebuilt.retriever.chunks] == at_ingest


def test_a_document_changed_behind_the_index_is_refused_by_name(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    ingest(ws, str(corpus_dir))
    with ws.store.engine.begin() as c:
        c.execute(text("UPDATE documents SET text = 'Something else entirely.', hash = 'x' WHERE id = 'it/vpn.md'"))
    with pytest.raises(CorpusError, match="it/vpn.md changed since the index"):
        Feature.open(ws, "baseline")


def test_an_index_of_an_older_format_is_rebuilt(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    ingest(ws, str(corpus_dir))
    before = [c.id for c in Feature.open(ws, "baseline").retriever.chunks]
    for meta in ws.index_dir.glob("*/shipcall.json"):  # as an older shipcall left it
        m = json.loads(meta.read_text())
        meta.write_text(json.dumps({**m, "format": 1}))
    again = Feature.open(ws, "baseline")
    assert again.built_index and [c.id for c in again.retriever.chunks] == before


def test_the_garbage_collector_is_back_after_an_ingest(ws, corpus_dir: Path, tmp_path: Path) -> None:  # noqa: ANN001
    """Ingest pauses Python's cyclic collector while it works (see app/ingest.py), never beyond."""
    import gc

    ingest(ws, str(corpus_dir))
    assert gc.isenabled()
    with pytest.raises(CorpusError):
        ingest(ws, str(tmp_path / "no-such-folder"))
    assert gc.isenabled()
