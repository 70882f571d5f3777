"""Read a folder of Markdown, HTML, plain text and PDF files, or a BEIR corpus, into Documents.

Bad files are skipped with a reason, never fatal:
- unknown extensions, hidden files and folders;
- binary content (a NUL byte, or mostly non-text bytes, in the first 8 KiB) whatever the name;
- files larger than `max_file_mb`;
- symlinks that resolve outside the corpus root (not followed);
- PDFs that pypdf cannot parse or that hold no extractable text;
- files that vanish or change while ingestion reads them, and anything that is not a regular
  file (a FIFO would block the read forever);
- hostile files: a symlink loop, HTML nested deeper than `MAX_HTML_DEPTH` levels, a PDF with more
  than `max_pdf_pages` pages, any file whose extracted text exceeds `max_chars` characters (a
  PDF whose pages share one huge content stream multiplies a small file into gigabytes of text),
  or a PDF that takes longer than `max_seconds` to extract.
Text that is not valid UTF-8 is decoded as Windows-1252 (undecodable bytes become U+FFFD) and
reported as a warning: such files are usually legacy Latin-1/Windows exports, and dropping them
would lose real documents.
"""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shipcall.adapters.progress import progress_bar
from shipcall.core.documents import Document, Section
from shipcall.core.jsonl import json_lines
from shipcall.errors import CorpusError

TEXT_TYPES = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html",
              ".txt": "text", ".text": "text", ".rst": "text", ".pdf": "pdf"}


MAX_HTML_DEPTH = 256  # elements inside elements; real pages stay far below, a parser bomb does not


@dataclass(frozen=True)
class Limits:
    """What one file may cost (CorpusConfig holds the configured values)."""

    max_file_mb: float = 20.0
    max_chars: int = 10_000_000
    max_seconds: float = 30.0
    max_pdf_pages: int = 5000


class _Refused(BaseException):
    """A file over a limit (BaseException: pypdf's broad `except Exception` must not swallow it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class LoadReport:
    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)


def load_folder(root: Path, *, max_file_mb: float = 20.0, limits: Limits | None = None,
                show_progress: bool | None = None) -> LoadReport:
    root = root.resolve()
    if not root.is_dir():
        raise CorpusError("not a folder", file=str(root), hint="pass a folder of .md/.html/.txt/.pdf files")
    report = LoadReport()
    limits = limits or Limits(max_file_mb=max_file_mb)
    return load_files(root, list(discover(root, report)), report, limits=limits, show_progress=show_progress)


def load_files(root: Path, paths: list[Path], report: LoadReport, *, max_file_mb: float = 20.0,
               limits: Limits | None = None, show_progress: bool | None = None) -> LoadReport:
    """Read discovered files; no single file can stop the others (see the module docstring)."""
    import errno

    limits = limits or Limits(max_file_mb=max_file_mb)
    prefix = os.path.join(os.fspath(root), "")
    bar = progress_bar(len(paths), "read", "file", show=show_progress)
    try:
        for path in paths:
            bar.update(1)
            name = os.fspath(path)
            rel = (name[len(prefix):].replace(os.sep, "/") if name.startswith(prefix)
                   else path.relative_to(root).as_posix())
            try:
                doc = _load_file(path, rel, root, limits, report)
            except _Refused as e:
                report.skipped.append((rel, e.reason))
                continue
            except FileNotFoundError:
                report.skipped.append((rel, "vanished during ingestion"))
                continue
            except RuntimeError as e:  # Path.resolve() on a symlink loop (Python < 3.13)
                report.skipped.append((rel, f"symlink loop ({e})" if "loop" in str(e).lower()
                                       else f"unreadable: {e}"))
                continue
            except OSError as e:
                reason = "symlink loop" if e.errno == errno.ELOOP else f"unreadable: {e.strerror or e}"
                report.skipped.append((rel, reason))
                continue
            except RecursionError:
                report.skipped.append((rel, f"nested too deeply (more than {MAX_HTML_DEPTH} levels)"))
                continue
            if doc is not None:
                report.documents.append(doc)
    finally:
        bar.close()
    return report


def discover(root: Path, report: LoadReport) -> Iterator[Path]:
    """Files under root, sorted, skipping hidden files and symlinked folders. What os.walk(root)
    finds, in its order, from os.scandir's entries (whose file types come with the listing: a
    corpus of many small files paid a system call per name to ask for them again)."""
    root_s = os.fspath(root)
    prefix = os.path.join(root_s, "")

    def walk(top: str) -> Iterator[Path]:
        try:
            with os.scandir(top) as it:
                entries = list(it)
        except OSError:
            return  # as os.walk: a folder that cannot be listed is passed over
        dirs: list[os.DirEntry[str]] = []
        files: list[os.DirEntry[str]] = []
        for e in entries:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            (dirs if is_dir else files).append(e)
        keep = []
        for e in sorted(dirs, key=lambda e: e.name):
            if e.name.startswith("."):
                continue
            if e.is_symlink():
                report.skipped.append((e.path[len(prefix):].replace(os.sep, "/"), "symlinked folder (not followed)"))
                continue
            keep.append(e.path)
        for e in sorted(files, key=lambda e: e.name):
            if not e.name.startswith("."):
                yield Path(e.path)
        for d in keep:
            yield from walk(d)

    yield from walk(root_s)


class _Symlink(Exception):
    """The file opened is a symbolic link (found by opening it with O_NOFOLLOW)."""


def _inside(path: Path, root: Path) -> bool:
    target = path.resolve(strict=True)  # a loop raises (RuntimeError or ELOOP), a dangling link vanishes
    return target.is_relative_to(root)


def _load_file(path: Path, rel: str, root: Path, limits: Limits, report: LoadReport) -> Document | None:
    outside = "symlink to a file outside the corpus root (not followed)"
    kind = TEXT_TYPES.get(path.suffix.lower())
    if kind is None:
        if path.is_symlink() and not _inside(path, root):
            report.skipped.append((rel, outside))
            return None
        report.skipped.append((rel, f"unsupported file type {path.suffix or '(none)'}"))
        return None
    try:
        raw = _read_regular_file(path, limits.max_file_mb, follow=False)
    except _Symlink:
        if not _inside(path, root):
            report.skipped.append((rel, outside))
            return None
        raw = _read_regular_file(path, limits.max_file_mb)
    if kind == "pdf":
        return _load_pdf(raw, rel, report, limits)
    if _looks_binary(raw):
        report.skipped.append((rel, f"binary content in a {path.suffix} file"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        text = raw.decode("cp1252", errors="replace")
        report.warnings.append((rel, f"not valid UTF-8 (byte {e.start}); decoded as Windows-1252"))
    if not text.strip():
        report.skipped.append((rel, "empty file"))
        return None
    _check_chars(len(text), limits)
    if kind == "markdown":
        return markdown_document(rel, text)
    if kind == "html":
        return html_document(rel, text)
    return Document(id=rel, text=text, title=_first_line(text))


def _read_regular_file(path: Path, max_file_mb: float, *, follow: bool = True) -> bytes:
    """The bytes of a regular file, refused when it is something else (a FIFO, a device), too
    large, or changed while it was read (its size or modification time moved, or fewer or more
    bytes came than it had): the next ingest reads it whole. `follow=False`: raise _Symlink for a
    symbolic link instead of opening its target."""
    import errno

    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block the open
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if not follow and not nofollow and path.is_symlink():
        raise _Symlink()
    try:
        fd = os.open(path, flags | (0 if follow else nofollow))
    except OSError as e:
        if not follow and e.errno == errno.ELOOP:
            raise _Symlink() from None
        raise
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise _Refused("not a regular file (a FIFO, socket or device)")
        if before.st_size > max_file_mb * 1024 * 1024:
            raise _Refused(f"too large ({before.st_size / 1024 / 1024:.0f} MB > corpus.max_file_mb "
                           f"{max_file_mb:g} MB)")
        parts, want = [], before.st_size + 1
        while want > 0:  # os.read on the descriptor: a buffered file object per file cost more than the read
            got = os.read(fd, want)
            if not got:
                break
            parts.append(got)
            want -= len(got)
        raw = parts[0] if len(parts) == 1 else b"".join(parts)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if len(raw) != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise _Refused("changed while being read (run ingest again once it is written)")
    return raw


def _check_chars(n: int, limits: Limits) -> None:
    if n > limits.max_chars:
        raise _Refused(f"more than corpus.max_chars ({limits.max_chars:,}) characters of text")


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the work inside after `seconds` (SIGALRM, in the main thread; elsewhere the
    callers' own checks between pages apply)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signum: int, _frame: object) -> None:
        raise _Refused(f"took longer than corpus.max_seconds ({seconds:g} s) to extract")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if b"\0" in head:
        return True
    if not head:
        return False
    control = len(head) - len(head.translate(None, _CONTROL))  # C-level: a byte loop was a fifth of reading
    return control / len(head) > 0.1


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:200]
    return ""


_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^(```|~~~)")


_ATX_AT = re.compile(r"(#{1,6})[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
# Line breaks that str.splitlines honours and "\n" does not, and fence openers: a text with none
# of them has its headings found from its "#"s at line starts (the same as the line loop below).
_SLOW_ASCII = ("```", "~~~", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")
_SLOW_OTHER = ("\x85", "\u2028", "\u2029")


def _needs_line_loop(text: str) -> bool:
    # substring tests (memchr-fast; one regex alternation over the same marks was 10× slower)
    return any(m in text for m in _SLOW_ASCII) or (not text.isascii() and any(m in text for m in _SLOW_OTHER))


def _atx_headings(text: str) -> list[tuple[int, int, str]]:
    """(offset, level, title) of the ATX headings of a text without fences or other line breaks:
    only the "#"s are visited (a regex tried at every line start was a quarter of reading)."""
    heads = []
    find, match = text.find, _ATX_AT.match
    i = find("#")
    while i != -1:
        if i == 0 or text[i - 1] == "\n":
            m = match(text, i)
            if m:
                heads.append((i, len(m.group(1)), m.group(2).strip()))
        nl = find("\n", i)
        if nl == -1:
            break
        i = find("#", nl)
    return heads


def markdown_document(doc_id: str, text: str) -> Document:
    """The Markdown text as is, with sections from its ATX headings (outside code fences)."""
    if not _needs_line_loop(text):
        heads = _atx_headings(text)
        return Document(id=doc_id, text=text, title=heads[0][2] if heads else _first_line(text),
                        sections=_sections(heads, len(text)))
    heads = []  # (offset, level, title)
    offset = 0
    in_fence = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line.strip()):
            in_fence = not in_fence
        elif not in_fence:
            m = _ATX.match(line.rstrip("\n"))
            if m:
                heads.append((offset, len(m.group(1)), m.group(2).strip()))
        offset += len(line)
    return Document(id=doc_id, text=text, title=heads[0][2] if heads else _first_line(text),
                    sections=_sections(heads, len(text)))


def _sections(heads: list[tuple[int, int, str]], end: int) -> tuple[Section, ...]:
    sections: list[Section] = []
    levels: list[int] = []  # the open headings' levels and titles (two lists: a tuple of the
    titles: list[str] = []  # titles is then one C call, not a generator per section)
    if not heads or heads[0][0] > 0:
        sections.append(Section((), 0, heads[0][0] if heads else end))
    for i, (start, level, title) in enumerate(heads):
        while levels and levels[-1] >= level:
            levels.pop()
            titles.pop()
        levels.append(level)
        titles.append(title)
        stop = heads[i + 1][0] if i + 1 < len(heads) else end
        sections.append(Section(tuple(titles), start, stop))
    return tuple(s for s in sections if s.end > s.start)


_BLOCKS = {"p", "li", "pre", "blockquote", "dt", "dd", "caption", "figcaption", "td", "th"}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}


def html_document(doc_id: str, html: str) -> Document:
    """HTML → Markdown-like plain text, so that its blocks read as Markdown's do: one block per
    paragraph with a blank line between blocks (a line break in the source is a space), headings
    as `#` lines, list items as `- item`, tables as Markdown tables (`| cell | cell |` lines; the
    first row is the header); sections from h1–h6."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    html = re.sub(r"<br\s*/?>", " ", html, flags=re.IGNORECASE)
    tree = HTMLParser(html)
    for tag in ("script", "style", "noscript", "template", "head"):
        for node in tree.css(tag):
            node.decompose()
    title_node = HTMLParser(html).css_first("title")
    body = tree.body or tree.root
    lines: list[str] = []
    heads: list[tuple[int, int, str]] = []
    offset = 0
    last = ""  # the kind of the last block written: rows of a table and items of a list stay together

    def emit(line: str, level: int = 0, kind: str = "p") -> None:
        nonlocal offset, last
        line = " ".join(line.split())
        if not line:
            return
        if lines and not (kind == last and kind in ("tr", "li")):
            lines.append("")
            offset += 1
        if level:
            heads.append((offset, level, line))
            line = "#" * level + " " + line
        elif kind == "li":
            line = "- " + line
        lines.append(line)
        offset += len(line) + 1
        last = kind

    def visit(node: object, depth: int = 1) -> None:
        if depth > MAX_HTML_DEPTH:
            raise _Refused(f"HTML nested deeper than {MAX_HTML_DEPTH} levels")
        for child in node.iter(include_text=False):  # type: ignore[attr-defined]
            tag = child.tag
            if tag in _HEADINGS:
                emit(child.text(separator=""), _HEADINGS[tag])
            elif tag == "tr":
                cells = [" ".join(c.text(separator="").split()) for c in child.iter(include_text=False)
                         if c.tag in ("td", "th")]
                cells = [c.replace("|", "/") for c in cells if c]
                if cells:
                    first = last != "tr"
                    emit("| " + " | ".join(cells) + " |", kind="tr")
                    if first:  # the delimiter row that makes the first row a Markdown table's header
                        emit("| " + " | ".join("---" for _ in cells) + " |", kind="tr")
            elif tag == "li":
                emit(child.text(separator=""), kind="li")
            elif tag in _BLOCKS:
                emit(child.text(separator=""))
            elif tag == "br":
                continue
            else:
                if any(True for _ in child.iter(include_text=False)):
                    own = "".join(t.text_content or "" for t in child.iter(include_text=True)
                                  if t.tag == "-text").strip()
                    if own:
                        emit(own)
                    visit(child, depth + 1)
                else:
                    emit(child.text(separator=""))

    if body is not None:
        visit(body)
    text = "\n".join(lines) + ("\n" if lines else "")
    title = title_node.text().strip() if title_node else (heads[0][2] if heads else _first_line(text))
    return Document(id=doc_id, text=text, title=title, sections=_sections(heads, len(text)))


def _load_pdf(raw: bytes, rel: str, report: LoadReport, limits: Limits | None = None) -> Document | None:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    limits = limits or Limits()
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    deadline = time.monotonic() + limits.max_seconds
    try:
        with _time_limit(limits.max_seconds):
            reader = PdfReader(io.BytesIO(raw))
            n_pages = len(reader.pages)
            if n_pages > limits.max_pdf_pages:
                raise _Refused(f"{n_pages:,} pages, more than corpus.max_pdf_pages ({limits.max_pdf_pages:,})")
            pages, total = [], 0
            for p in reader.pages:
                page = p.extract_text() or ""
                total += len(page)
                _check_chars(total, limits)
                if time.monotonic() > deadline:
                    raise _Refused(f"took longer than corpus.max_seconds ({limits.max_seconds:g} s) to extract")
                pages.append(page)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, IndexError) as e:
        report.skipped.append((rel, f"PDF could not be parsed ({type(e).__name__}: {str(e)[:80]})"))
        return None
    except Exception as e:  # pypdf raises many kinds on broken files; any of them means "skip"
        report.skipped.append((rel, f"PDF could not be parsed ({type(e).__name__})"))
        return None
    from shipcall.core.reflow import reflow_pages

    flow = reflow_pages(pages)  # PDF lines are visual lines: rebuild the paragraphs across pages
    heads = [(at, 1, f"page {i}") for i, at in enumerate(flow.page_starts, start=1) if at is not None]
    heads = sorted(heads + [(at, 2, h) for at, h in flow.headings], key=lambda h: (h[0], h[1]))
    text = flow.text
    if not text.strip():
        report.skipped.append((rel, "PDF has no extractable text (scanned?)"))
        return None
    return Document(id=rel, text=text, title=_first_line(text), sections=_sections(heads, len(text)))


def load_beir(folder: Path, *, show_progress: bool | None = None) -> LoadReport:
    """A BEIR corpus: `corpus.jsonl` with `_id`, `title`, `text`; the text is `title + " " + text`."""
    path = folder / "corpus.jsonl" if folder.is_dir() else folder
    if not path.is_file():
        raise CorpusError("no corpus.jsonl here", file=str(folder),
                          hint="--format beir expects a folder with corpus.jsonl (BEIR layout)")
    report = LoadReport()
    seen: set[str] = set()
    bar = progress_bar(_count_lines(path), "read", "line", show=show_progress)
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for n, obj in json_lines(f, file=str(path), error=CorpusError,
                                     hint="each line must be one JSON object with _id, title, text"):
                bar.update(n - bar.n)
                if not isinstance(obj, dict) or "_id" not in obj:
                    raise CorpusError("missing `_id`", file=str(path), line=n, field="_id")
                doc_id = str(obj["_id"])
                title = obj.get("title") or ""
                body = obj.get("text") or ""
                if not isinstance(title, str) or not isinstance(body, str):
                    raise CorpusError("`title` and `text` must be strings", file=str(path), line=n)
                if doc_id in seen:
                    report.skipped.append((doc_id, f"duplicate _id on line {n}"))
                    continue
                seen.add(doc_id)
                text = f"{title} {body}".strip() if title else body
                if not text:
                    report.skipped.append((doc_id, f"empty document on line {n}"))
                    continue
                report.documents.append(Document(id=doc_id, text=text, title=title))
    finally:
        bar.close()
    return report


def _count_lines(path: Path) -> int:
    """Lines in a file, for the progress bar's total (a fast pass over bytes)."""
    n = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            n += block.count(b"\n")
    return n
