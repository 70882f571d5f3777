"""Re-ingestion: only changes are written, deleted files leave, the corpus version follows."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipcall.app.ingest import ingest


def test_reingest_tracks_changes(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    first = ingest(ws, str(corpus_dir))
    assert (first.ingested, first.added, first.changed, first.removed) == (6, 6, 0, 0)
    again = ingest(ws, None)  # the recorded path is re-read
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 6)
    assert again.corpus_version == first.corpus_version
    assert again.indexes_built == 0
    (corpus_dir / "travel" / "visas.txt").unlink()
    (corpus_dir / "it" / "vpn.md").write_text("# VPN\n\nUse the WireGuard client from now on.\n")
    third = ingest(ws, None)
    assert (third.changed, third.removed, third.unchanged) == (1, 1, 4)
    assert third.corpus_version != first.corpus_version
    assert ws.store.document("travel/visas.txt") is None
    assert "WireGuard" in ws.store.document("it/vpn.md").text


def _rechunked_after_an_edit(ws, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:  # noqa: ANN001
    """Ingest, edit one document, re-ingest; return the ids of the documents chunked again.
    (Counts calls of the real chunker; the chunks themselves are checked too.)"""
    import shipcall.app.feature as feature

    ingest(ws, str(corpus_dir))
    before = {c.id: c for c in feature.Feature.open(ws, "baseline").retriever.chunks}
    rechunked: list[str] = []
    real = feature.chunk_document

    def counting(doc, config):  # noqa: ANN001, ANN202
        rechunked.append(doc.id)
        return real(doc, config)

    monkeypatch.setattr(feature, "chunk_document", counting)
    (corpus_dir / "it" / "vpn.md").write_text("# VPN\n\nUse the WireGuard client from now on.\n")
    ingest(ws, None)
    after = {c.id: c for c in feature.Feature.open(ws, "baseline").retriever.chunks}
    assert after["hr/time-off.md#0"] == before["hr/time-off.md#0"]
    assert "WireGuard" in after["it/vpn.md#0"].text
    return sorted(set(rechunked))


def test_unchanged_documents_keep_their_chunks(ws, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    assert _rechunked_after_an_edit(ws, corpus_dir, monkeypatch) == ["it/vpn.md"]


def test_the_chunk_reuse_test_fails_when_reuse_is_disabled(ws, corpus_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Proof that the test above can fail: with chunk reuse switched off, every document is
    chunked again and the assertion above would not hold."""
    import shipcall.app.feature as feature

    monkeypatch.setattr(feature, "_previous_chunks", lambda *_a: {})
    rechunked = _rechunked_after_an_edit(ws, corpus_dir, monkeypatch)
    assert rechunked != ["it/vpn.md"] and len(rechunked) == 6  # all six documents
