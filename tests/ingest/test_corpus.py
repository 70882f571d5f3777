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
    real = feature.chunk_spans

    def counting(doc, config):  # noqa: ANN001, ANN202
        rechunked.append(doc.id)
        return real(doc, config)

    monkeypatch.setattr(feature, "chunk_spans", counting)
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


def test_a_killed_build_leaves_no_orphan_after_the_next_build(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    """A build folder whose process died (security review D16), an interrupted swap's `.old`
    folder and the indexes of obsolete corpus versions are gone after the next ingest."""
    import subprocess
    import sys

    ingest(ws, str(corpus_dir))
    index = ws.index_dir
    # a real process starts a build folder (with its pid in the name) and dies without finishing it
    made = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                           "from shipcall.adapters.retrievers.bm25 import build_dir; "
                           "d = build_dir(Path(sys.argv[1]) / 'x'); (d / 'vectors.npy').write_bytes(b'0' * 4096); "
                           "print(d.name)", str(index)], capture_output=True, text=True, check=True).stdout.strip()
    assert (index / made).is_dir() and made.startswith(".building-")
    (index / "something.old").mkdir()
    old_versions = {p.name for p in index.iterdir() if not p.name.startswith(".") and not p.name.endswith(".old")}
    (corpus_dir / "it" / "vpn.md").write_text("# VPN\n\nUse the WireGuard client from now on.\n")
    rep = ingest(ws, None)
    left = {p.name for p in index.iterdir()}
    assert not any(n.startswith(".building-") or n.endswith(".old") for n in left), left
    assert left and all(n.startswith(rep.corpus_version + "-") for n in left), (left, old_versions)


def test_a_build_in_progress_elsewhere_is_left_alone(ws, corpus_dir: Path) -> None:  # noqa: ANN001
    import os

    from shipcall.adapters.retrievers.bm25 import build_dir, remove_orphans

    ingest(ws, str(corpus_dir))
    mine = build_dir(ws.index_dir / "x")  # this process is alive: its build is in progress
    assert mine.name.startswith(f".building-{os.getpid()}-")
    assert mine.name not in remove_orphans(ws.index_dir) and mine.is_dir()
