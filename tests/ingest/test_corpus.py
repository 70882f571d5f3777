"""Re-ingestion: only changes are written, deleted files leave, the corpus version follows."""

from __future__ import annotations

from pathlib import Path

from shipcall.ingest.corpus import ingest


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


def test_unchanged_documents_keep_their_chunks(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    from shipcall.feature import Feature

    ingest(ws, str(corpus_dir))
    before = {c.id: c for c in Feature.open(ws, "baseline").retriever.chunks}
    (corpus_dir / "it" / "vpn.md").write_text("# VPN\n\nUse the WireGuard client from now on.\n")
    ingest(ws, None)
    after = {c.id: c for c in Feature.open(ws, "baseline").retriever.chunks}
    assert after["hr/time-off.md#0"] == before["hr/time-off.md#0"]
    assert "WireGuard" in after["it/vpn.md#0"].text
