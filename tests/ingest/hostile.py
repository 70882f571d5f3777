"""Hostile files for ingestion tests, written from scratch (nothing checked in is executable)."""

from __future__ import annotations

import zlib
from pathlib import Path


def pdf_bomb(path: Path, pages: int, kb_per_page: int) -> None:
    """A valid PDF whose `pages` pages all draw one Flate content stream holding `kb_per_page` KB
    of text: a few KB on disk, pages × kb_per_page KB of extracted text (security review D10)."""
    text = ("(" + "A" * 1000 + ") Tj T* ") * kb_per_page
    content = zlib.compress(f"BT /F1 8 Tf 10 800 Td 10 TL {text} ET".encode())
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
             b"/Contents 4 0 R >>"] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, o in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.write_bytes(bytes(out))


def deep_html(path: Path, depth: int) -> None:
    path.write_text("<html><body><h1>Deep</h1>" + "<span>x " * depth + "leave" + "</span>" * depth
                    + "</body></html>")
