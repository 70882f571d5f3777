"""The block structure of a document's text: paragraphs, headings, list items, table rows, code.

Why: text is often hard-wrapped (Markdown written at 80 columns, PDF lines, plain-text files), and
a line break inside a paragraph is not the end of a sentence. Cutting at every line break gives
half sentences, which the answerer then glues together in the wrong order. The blocks are
CommonMark's (plus GitHub tables), found by markdown-it-py, whose block tokens carry their line
ranges: a blank line ends a paragraph; headings, list items, block quotes, table rows, fenced or
indented code, thematic breaks and HTML blocks are blocks of their own; a soft line break inside
a paragraph, list item or quote is a space (a wrapped list item stays whole). YAML (`---`) or
TOML (`+++`) front matter at the very start is a block of its own, read before markdown-it.

Offsets always point into the original text: nothing is rewritten or reordered, so citations
and chunk boundaries stay exact. The HTML and PDF loaders write Markdown-like text, so their
documents read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

BlockKind = Literal["paragraph", "heading", "list_item", "quote", "table_row", "table_header", "table_rule",
                    "code", "front_matter", "rule", "html"]

LIST_MARKER = re.compile(r"[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)")  # CommonMark's list markers


@dataclass(frozen=True)
class Block:
    """One block: its kind, its lines as (start, end) offsets (end excludes the newline)."""

    kind: BlockKind
    lines: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.lines[0][0]

    @property
    def end(self) -> int:
        return self.lines[-1][1]


def _line_spans(text: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _front_matter_end(text: str, lines: list[tuple[int, int]]) -> int:
    """Number of lines of front matter at the start (0 when there is none)."""
    if not lines:
        return 0
    first = text[lines[0][0]:lines[0][1]].strip()
    if first not in ("---", "+++"):
        return 0
    closers = ("---", "...") if first == "---" else ("+++",)
    for i in range(1, min(len(lines), 200)):
        if text[lines[i][0]:lines[i][1]].strip() in closers:
            # front matter holds `key: value` lines; a `---` rule above a paragraph does not
            body = [text[a:b] for a, b in lines[1:i] if text[a:b].strip()]
            if body and all(re.match(r"[ \t]*[-\w\"'.]+[ \t]*[:=]|[ \t]*-[ \t]|[ \t]+\S", ln) for ln in body):
                return i + 1
            return 0
    return 0


@lru_cache(maxsize=1)
def _parser() -> Any:
    from markdown_it import MarkdownIt

    # Only block tokens and their line ranges are read: the inline parse (emphasis, links…) is
    # switched off, which halves the time and leaves every block token as it was.
    return MarkdownIt("commonmark").enable("table").disable("inline")


_CONTAINERS = {"list_item_open": "list_item", "blockquote_open": "quote", "thead_open": "thead", "tbody_open": "tbody"}


def blocks(text: str) -> list[Block]:
    """The blocks of `text`, in order (see the module docstring)."""
    if text[:1].isalpha() and "\n" not in text and "\r" not in text:
        # one line opening with a letter: CommonMark reads it as a paragraph, whatever follows
        # (every other block starts with a marker, an indent or a second line). Sentences and
        # answers are such lines by the thousand: this skips the parser for them.
        return [Block("paragraph", ((0, len(text)),))]
    return _parsed_blocks(text)


def _parsed_blocks(text: str) -> list[Block]:
    """`blocks` by markdown-it (and the front-matter rule), without the one-line shortcut."""
    lines = _line_spans(text)
    out: list[Block] = []
    n_front = _front_matter_end(text, lines)
    if n_front:
        out.append(Block("front_matter", tuple(lines[:n_front])))
        text = "\n" * n_front + text[lines[n_front - 1][1] + 1:] if n_front < len(lines) else ""
    stack: list[str] = []  # open containers, innermost last
    item_paragraphs: list[int] = []  # paragraphs seen in each open list item
    for tok in _parser().parse(text):
        kind = tok.type
        if kind in _CONTAINERS:
            stack.append(_CONTAINERS[kind])
            if kind == "list_item_open":
                item_paragraphs.append(0)
            continue
        if kind.endswith("_close") and kind.replace("_close", "_open") in _CONTAINERS:
            stack.pop()
            if kind == "list_item_close":
                item_paragraphs.pop()
            continue
        if tok.map is None:
            continue
        a, b = tok.map
        span = tuple(lines[a:b])
        if not span:
            continue
        if kind == "paragraph_open":
            inner = stack[-1] if stack else ""
            block_kind: BlockKind = "paragraph"
            if inner == "list_item":
                block_kind = "list_item" if item_paragraphs[-1] == 0 else "paragraph"
                item_paragraphs[-1] += 1
            elif inner == "quote":
                block_kind = "quote"
            out.append(Block(block_kind, span))
        elif kind == "heading_open":
            out.append(Block("heading", span))
        elif kind == "tr_open":
            out.append(Block("table_header" if "thead" in stack else "table_row", span))
        elif kind in ("fence", "code_block"):
            out.append(Block("code", span))
        elif kind == "hr":
            out.append(Block("rule", span))
        elif kind == "html_block":
            out.append(Block("html", span))
    return out

