"""Ingestion never dies of one file: a symlink loop, deeply nested HTML, a PDF whose text
explodes, a FIFO, a file that changes while it is read. Each is skipped with the file and the
reason; the rest ingests (security review D8, D9, D10)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from shipcall.adapters.ingest.loaders import Limits, LoadReport, discover, load_files, load_folder
from tests.ingest.hostile import deep_html, pdf_bomb


def skipped(rep: LoadReport) -> dict[str, str]:
    return dict(rep.skipped)


def good(root: Path) -> None:
    (root / "good.md").write_text("# Leave\n\nEmployees get 25 days of paid leave per year.\n")


def test_a_symlink_loop_is_skipped(tmp_path: Path) -> None:
    good(tmp_path)
    (tmp_path / "self.md").symlink_to("self.md")
    (tmp_path / "a.md").symlink_to("b.md")
    (tmp_path / "b.md").symlink_to("a.md")
    rep = load_folder(tmp_path)
    assert [d.id for d in rep.documents] == ["good.md"]
    for name in ("self.md", "a.md", "b.md"):
        assert "symlink loop" in skipped(rep)[name]


def test_deeply_nested_html_is_skipped_and_moderate_nesting_reads(tmp_path: Path) -> None:
    good(tmp_path)
    deep_html(tmp_path / "deep.html", 1000)
    deep_html(tmp_path / "fine.html", 100)
    rep = load_folder(tmp_path)
    assert sorted(d.id for d in rep.documents) == ["fine.html", "good.md"]
    assert "nested deeper than" in skipped(rep)["deep.html"]
    assert "leave" in next(d for d in rep.documents if d.id == "fine.html").text


def test_a_pdf_whose_text_explodes_is_skipped(tmp_path: Path) -> None:
    good(tmp_path)
    pdf_bomb(tmp_path / "bomb.pdf", pages=40, kb_per_page=50)  # ~4 KB on disk, 2 MB of text
    assert (tmp_path / "bomb.pdf").stat().st_size < 10_000
    rep = load_folder(tmp_path, limits=Limits(max_chars=500_000))
    assert [d.id for d in rep.documents] == ["good.md"]
    assert "max_chars" in skipped(rep)["bomb.pdf"]


def test_a_pdf_with_too_many_pages_is_skipped_before_extraction(tmp_path: Path) -> None:
    pdf_bomb(tmp_path / "pages.pdf", pages=300, kb_per_page=1)
    rep = load_folder(tmp_path, limits=Limits(max_pdf_pages=200))
    assert "300 pages, more than corpus.max_pdf_pages (200)" in skipped(rep)["pages.pdf"]


def test_a_pdf_that_takes_too_long_is_skipped(tmp_path: Path) -> None:
    good(tmp_path)
    pdf_bomb(tmp_path / "slow.pdf", pages=60, kb_per_page=100)  # seconds of extraction on any machine
    rep = load_folder(tmp_path, limits=Limits(max_seconds=0.05))
    assert [d.id for d in rep.documents] == ["good.md"]
    assert "max_seconds" in skipped(rep)["slow.pdf"]


def test_a_fifo_does_not_block_ingestion(tmp_path: Path) -> None:
    good(tmp_path)
    os.mkfifo(tmp_path / "pipe.md")
    rep = load_folder(tmp_path)
    assert [d.id for d in rep.documents] == ["good.md"]
    assert "not a regular file" in skipped(rep)["pipe.md"]


def test_a_file_that_changes_while_it_is_read_is_skipped(tmp_path: Path) -> None:
    """A writer keeps appending to a file while ingestion reads it: the loader notices (size or
    modification time moved during the read) and skips it; other files ingest."""
    good(tmp_path)
    path = tmp_path / "growing.txt"
    path.write_bytes(b"word " * 2_000_000)  # 10 MB
    stop = threading.Event()

    def append() -> None:
        with path.open("ab") as f:
            while not stop.is_set():
                f.write(b"more ")
                f.flush()

    writer = threading.Thread(target=append, daemon=True)
    writer.start()
    try:
        reasons = []
        for _ in range(5):  # the writer is descheduled for a whole read only on a very busy machine
            rep = LoadReport()
            load_files(tmp_path, list(discover(tmp_path, rep)), rep, limits=Limits(max_file_mb=200))
            assert "good.md" in [d.id for d in rep.documents]
            reasons.append(skipped(rep).get("growing.txt"))
            if reasons[-1]:
                break
    finally:
        stop.set()
        writer.join()
    assert any(r and "changed while being read" in r for r in reasons), reasons


def test_the_cli_ingests_the_rest_and_reports_each_hostile_file(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    good(docs)
    (docs / "self.md").symlink_to("self.md")
    deep_html(docs / "deep.html", 1000)
    pdf_bomb(docs / "bomb.pdf", pages=40, kb_per_page=50)
    os.mkfifo(docs / "pipe.md")
    ws = tmp_path / "ws"
    run = [sys.executable, "-m", "shipcall"]
    subprocess.run([*run, "init", str(ws)], check=True, capture_output=True)
    cfg = ws / "shipcall.yaml"
    cfg.write_text(cfg.read_text().replace("  max_file_mb: 20", "  max_file_mb: 20\n  max_chars: 500000"))
    p = subprocess.run([*run, "ingest", str(docs), "--verbose"], cwd=ws, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr  # something was ingested (README: 0, or 2 when nothing was)
    assert "Traceback" not in p.stderr
    for line in ("skipped self.md: symlink loop", "skipped deep.html: HTML nested deeper than",
                 "skipped bomb.pdf: more than corpus.max_chars", "skipped pipe.md: not a regular file",
                 "ingested 1, skipped 4"):
        assert line in p.stdout, p.stdout
