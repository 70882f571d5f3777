"""Ingestion of real files, including every bad input the foundation issue names."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shipcall.adapters.ingest.loaders import LoadReport, discover, load_beir, load_files, load_folder
from shipcall.app.ingest import ingest
from shipcall.errors import CorpusError


def skipped(report: LoadReport) -> dict[str, str]:
    return dict(report.skipped)


def test_folder_of_markdown_html_text(corpus_dir: Path) -> None:
    rep = load_folder(corpus_dir)
    ids = sorted(d.id for d in rep.documents)
    assert ids == ["hr/parental-leave.md", "hr/time-off.md", "it/laptops.html", "it/vpn.md",
                   "travel/per-diem.md", "travel/visas.txt"]
    html = next(d for d in rep.documents if d.id == "it/laptops.html")
    assert "replaced every three years." in html.text
    assert "Engineering | MacBook Pro 16" in html.text
    assert html.sections[-1].heading_path == ("Laptops", "Replacement")
    md = next(d for d in rep.documents if d.id == "hr/time-off.md")
    assert [s.heading_path for s in md.sections] == [("Time off",), ("Time off", "Exceptions"),
                                                     ("Time off", "Requesting leave")]


def test_empty_folder_is_an_error(ws, tmp_path: Path) -> None:  # noqa: ANN001
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="nothing to ingest"):
        ingest(ws, str(empty))


def test_unknown_types_and_binary_md_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nHello world of documents.\n")
    (tmp_path / "b.docx").write_bytes(b"PK\x03\x04 not supported")
    (tmp_path / "c.md").write_bytes(os.urandom(4096) + b"\0")
    rep = load_folder(tmp_path)
    assert [d.id for d in rep.documents] == ["a.md"]
    s = skipped(rep)
    assert "unsupported file type .docx" in s["b.docx"]
    assert "binary" in s["c.md"]


def test_invalid_utf8_is_decoded_as_windows_1252_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 menu: the caf\xe9 opens at 8.".encode("latin-1"))
    rep = load_folder(tmp_path)
    assert rep.documents[0].text.startswith("Café menu")
    assert "decoded as Windows-1252" in rep.warnings[0][1]


def test_pdf_parsed_and_broken_pdf_skipped(tmp_path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Code of conduct. Gifts above EUR 50 must be declared.")
    pdf.output(str(tmp_path / "good.pdf"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    rep = load_folder(tmp_path)
    assert [d.id for d in rep.documents] == ["good.pdf"]
    assert "Gifts above EUR 50" in rep.documents[0].text
    assert rep.documents[0].sections[0].heading_path == ("page 1",)
    assert "PDF" in skipped(rep)["broken.pdf"]


def test_large_file_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_bytes(b"word " * (10 * 1024 * 1024))  # 50 MB
    (tmp_path / "small.txt").write_text("a small file with words")
    rep = load_folder(tmp_path, max_file_mb=20)
    assert [d.id for d in rep.documents] == ["small.txt"]
    assert "too large" in skipped(rep)["big.txt"]


def test_symlink_outside_root_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    outside = tmp_path / "secret.txt"
    outside.write_text("root:x:0:0 secret password")
    (root / "doc.txt").write_text("inside document text")
    (root / "link.txt").symlink_to(outside)
    (root / "inner.txt").symlink_to(root / "doc.txt")
    rep = load_folder(root)
    assert sorted(d.id for d in rep.documents) == ["doc.txt", "inner.txt"]
    assert "outside the corpus root" in skipped(rep)["link.txt"]
    assert all("secret" not in d.text for d in rep.documents)


def test_file_deleted_during_ingestion(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("first document")
    (tmp_path / "b.txt").write_text("second document")
    rep = LoadReport()
    paths = list(discover(tmp_path, rep))
    (tmp_path / "b.txt").unlink()  # gone between discovery and reading
    load_files(tmp_path, paths, rep)
    assert [d.id for d in rep.documents] == ["a.txt"]
    assert skipped(rep)["b.txt"] == "vanished during ingestion"


def test_beir_malformed_line_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "corpus.jsonl").write_text(
        '{"_id": "1", "title": "T", "text": "body"}\n{"_id": "2", "title": \n')
    with pytest.raises(CorpusError) as e:
        load_beir(tmp_path)
    assert e.value.line == 2
    assert "corpus.jsonl:2:" in str(e.value)


def test_beir_text_is_title_space_text(tmp_path: Path) -> None:
    (tmp_path / "corpus.jsonl").write_text('{"_id": "d1", "title": "Title", "text": "Body text."}\n')
    rep = load_beir(tmp_path)
    assert rep.documents[0].text == "Title Body text."
