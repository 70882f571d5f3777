"""Rebuild paragraphs from text laid out in lines, as PDF text extraction returns it.

Why: a PDF page's text comes back one visual line per line, with no blank line between
paragraphs, and a page's running header and footer sit in the middle of a sentence that runs
across the page break. Read line by line, a sentence is cut at every line end and its halves can
be glued back in another order. The rules, from the line lengths (the width is the 90th
percentile line length):

- running headers and footers are dropped: page numbers (`Page 2 of 5`, `- 3 -`, `3/5`, `3`)
  on the first or last line of a page, and a first line of a later page that repeats the
  document's title words (`Northwind Labs - Code of Conduct - Internal`);
- pages are read as one stream, so a paragraph continues across a page break;
- a line ending with `-` after a letter, followed by a line starting in lower case, is a
  hyphenated word: joined without the hyphen (`employ-` + `ees` → `employees`);
- a list item (`-`, `•`, `1.` … followed by text) starts a new block; the lines after it continue
  it until a paragraph end;
- a short line (at most 60% of the width and 12 words) without closing punctuation, starting in
  upper case or with a section number, after a line that ends a sentence and before a line in
  upper case, is a heading (unless it is one of several list items: `1. Install` before
  `2. Sign in`);
- a paragraph ends after a line that ends with `.`, `!`, `?` or `:` and is clearly shorter than
  the width (the last line of a paragraph), or before a heading; any other line break is a soft
  wrap (a space).

The text is never reordered: lines are only joined. Paragraphs are separated by a blank line,
list items of one list are on consecutive lines, and headings are written as `## heading`, so
that the rest of shipcall reads the result as Markdown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shipcall.core.blocks import LIST_MARKER

_LIST = re.compile(r"\s*(?:[-*•‣◦▪●–]\s+|\(?\d{1,3}[.)]\s+|\([a-z]\)\s+)")
_NUMBERED_HEADING = re.compile(r"\s*(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,5}\.)\s+\S")
_PAGE_NUMBER = re.compile(r"\s*(?:page\s+)?[-–]?\s*\d{1,4}\s*(?:(?:of|/)\s*\d{1,4})?\s*[-–]?\s*$", re.I)
_WORDS = re.compile(r"\w+")
_END_PUNCT = ".!?:"
SHORT_LINE = 0.85  # a line ending a sentence and shorter than this share of the width ends a paragraph
HEADING_LINE = 0.6  # a heading is at most this share of the width
MAX_HEADING_WORDS = 12


@dataclass
class Reflowed:
    """The rebuilt text; the headings with their offsets; each page's start offset (the start
    of the first block that begins on the page; a page whose text continues a paragraph from
    the page before starts at its first new block)."""

    text: str
    headings: list[tuple[int, str]] = field(default_factory=list)
    page_starts: list[int | None] = field(default_factory=list)


def width_of(lines: list[str]) -> int:
    lengths = sorted(len(ln.strip()) for ln in lines if ln.strip())
    if not lengths:
        return 0
    return lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]


def _heading_form(line: str, nxt: str | None, width: int) -> bool:
    s = line.strip()
    if not s or s[-1] in _END_PUNCT + ",;" or len(s.split()) > MAX_HEADING_WORDS:
        return False
    if width and len(s) > HEADING_LINE * width:
        return False
    if not (s[0].isupper() or _NUMBERED_HEADING.match(s)):
        return False
    if nxt is None:
        return True
    first = nxt.strip()[0]
    return first.isupper() or first.isdigit()


def _strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without page-number lines at their ends and without a later page's first line
    that repeats the title's words."""
    title = next((ln for ln in (pages[0] if pages else []) if ln.strip()), "")
    title_words = {w.lower() for w in _WORDS.findall(title)}
    out: list[list[str]] = []
    for p, lines in enumerate(pages):
        lines = [ln for ln in lines if ln.strip()]
        for _ in range(2):
            if lines and _PAGE_NUMBER.fullmatch(lines[-1]):
                lines = lines[:-1]
            if lines and _PAGE_NUMBER.fullmatch(lines[0]):
                lines = lines[1:]
        if p > 0 and lines and len(title_words) >= 2:
            words = {w.lower() for w in _WORDS.findall(lines[0])}
            if title_words <= words and lines[0].strip() != title.strip():
                lines = lines[1:]
        out.append(lines)
    return out


def reflow_pages(pages: list[str]) -> Reflowed:
    """Rebuild paragraphs across the pages' text (see the module docstring)."""
    page_lines = _strip_running_lines([p.split("\n") for p in pages])
    lines = [ln.rstrip() for pl in page_lines for ln in pl]
    page_of = [p for p, pl in enumerate(page_lines) for _ in pl]
    width = width_of(lines)
    blocks: list[tuple[str, int, bool]] = []  # (text, first input line, is heading)
    current, first_line = "", 0
    kind = ""
    prev_sentence_end = True  # the previous line ended a sentence (or there is none)

    def close() -> None:
        nonlocal current, kind
        if current:
            blocks.append((current, first_line, False))
        current, kind = "", ""

    for i, raw in enumerate(lines):
        line = raw.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        in_list = kind == "li" or (nxt is not None and bool(_LIST.match(nxt)))
        if prev_sentence_end and _heading_form(line, nxt, width) and not (_LIST.match(raw) and in_list):
            close()
            blocks.append((line, i, True))
            prev_sentence_end = True
            continue
        if _LIST.match(raw) or not current:
            close()
            current, first_line, kind = line, i, "li" if _LIST.match(raw) else "p"
        elif re.search(r"[A-Za-z]-$", current) and line[0].islower():
            current = current[:-1] + line  # a word hyphenated across the line end
        else:
            current += " " + line
        prev_sentence_end = line[-1] in _END_PUNCT
        nxt_heading = nxt is not None and prev_sentence_end and _heading_form(
            nxt, lines[i + 2] if i + 2 < len(lines) else None, width)
        if prev_sentence_end and (not width or len(line) < SHORT_LINE * width or nxt_heading):
            close()
    close()
    return _assemble(blocks, page_of, len(page_lines))


def _assemble(blocks: list[tuple[str, int, bool]], page_of: list[int], n_pages: int) -> Reflowed:
    parts: list[str] = []
    out = Reflowed("", page_starts=[None] * n_pages)
    offset = 0
    prev = ""
    for text, line, heading in blocks:
        if heading:
            text = "## " + text
        elif _LIST.match(text) and not LIST_MARKER.match(text):
            text = "- " + text  # a marker Markdown does not know ("(a)", "–"): kept, as an item
        if parts:
            sep = "\n" if (_LIST.match(text) and _LIST.match(prev)) else "\n\n"
            parts.append(sep)
            offset += len(sep)
        page = page_of[line]
        if out.page_starts[page] is None:
            out.page_starts[page] = offset
        if heading:
            out.headings.append((offset, text[3:]))
        parts.append(text)
        offset += len(text)
        prev = text
    out.text = "".join(parts) + ("\n" if parts else "")
    return out
