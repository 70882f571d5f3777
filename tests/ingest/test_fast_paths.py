"""The ingest's fast paths find what the plain ways find: headings, files, chunk windows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import shipcall.adapters.ingest.loaders as loaders
from shipcall.adapters.ingest.chunkers import chunk_document
from shipcall.adapters.ingest.loaders import LoadReport, discover, markdown_document
from shipcall.config.schema import FixedChunker, HeadingChunker
from shipcall.core.documents import Document
from shipcall.core.text import word_spans

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "shipcall" / "sample" / "docs"
MARKDOWN = [
    "# Title\n\nText.\n\n## Two ##\n\nMore # not a heading\n#no space\n####### seven\n### Three\t#\nend",
    "#\n# \n#x\n# only heading",
    "  # indented is not a heading\n# Real\ntext # with hash\n## Last",
    "no headings at all, but a # sign",
    "# A\n\n" + "word " * 500 + "\n\n## B\n\n" + "more " * 40,
    "# Ünïcode heading\u00a0here\n\nText\u2003with\u3000odd spaces.\n## Next\n",
]


def test_headings_found_from_hashes_equal_the_line_by_line_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = MARKDOWN + [p.read_text(encoding="utf-8") for p in sorted(SAMPLE.rglob("*.md"))]
    fast = [markdown_document("d", t) for t in texts]
    monkeypatch.setattr(loaders, "_needs_line_loop", lambda _text: True)
    slow = [markdown_document("d", t) for t in texts]
    assert fast == slow
    assert [s.heading_path for s in fast[0].sections] == [("Title",), ("Title", "Two"), ("Title", "Two", "Three")]


@pytest.mark.parametrize("text", ["```\n# not a heading\n```\n# Yes\n", "# A\r\n\r\ntext\r\n## B\r\n",
                                  "~~~\n# no\n~~~\n# Yes", "# A\u2028# B\ntext"])
def test_fences_and_other_line_breaks_take_the_line_by_line_parse(text: str) -> None:
    assert loaders._needs_line_loop(text)
    doc = markdown_document("d", text)
    assert all(s.heading_path[-1:] != ("not a heading",) and s.heading_path[-1:] != ("no",) for s in doc.sections)


def walk_reference(root: Path, report: LoadReport) -> list[Path]:
    """The os.walk-based discovery this replaced."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        d = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            if (d / name).is_symlink():
                report.skipped.append(((d / name).relative_to(root).as_posix(), "symlinked folder (not followed)"))
                continue
            keep.append(name)
        dirnames[:] = keep
        out += [d / name for name in sorted(filenames) if not name.startswith(".")]
    return out


def test_discovery_finds_what_os_walk_finds_in_its_order(tmp_path: Path) -> None:
    for rel in ("b.md", "a/z.md", "a/b/c.txt", "a-b/x.md", ".hidden/y.md", "a/.secret.md", "z/fifo-dir/q.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "file-link.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "dangling.md").symlink_to(tmp_path / "missing.md")
    ours, ref = LoadReport(), LoadReport()
    assert list(discover(tmp_path, ours)) == walk_reference(tmp_path, ref)
    assert ours.skipped == ref.skipped == [("link", "symlinked folder (not followed)")]


def windows_reference(text: str, start: int, end: int, size: int, overlap: int) -> list[tuple[int, int]]:
    words = word_spans(text, start, end)
    out: list[tuple[int, int]] = []
    i = 0
    while words:
        group = words[i:i + size]
        out.append((group[0][0], group[-1][1]))
        if i + size >= len(words):
            break
        i += size - overlap
    return out


def test_chunk_windows_equal_the_word_by_word_windows() -> None:
    docs = [markdown_document(p.name, p.read_text(encoding="utf-8")) for p in sorted(SAMPLE.rglob("*.md"))]
    docs += [markdown_document("m", t) for t in MARKDOWN] + [Document("t", "\u3000 a\u00a0b\tc \u2029", "t")]
    for cfg in (FixedChunker(kind="fixed", size=8, overlap=2), FixedChunker(kind="fixed", size=300, overlap=50)):
        for d in docs:
            got = [(c.start, c.end) for c in chunk_document(d, cfg)]
            assert got == windows_reference(d.text, 0, len(d.text), cfg.size, cfg.overlap)
    for d in docs:  # heading chunks: sections windowed the same way, bare headings joined to what follows
        for c in chunk_document(d, HeadingChunker(kind="heading", size=20, overlap=5)):
            assert c.text == d.text[c.start:c.end] and c.text == c.text.strip()
