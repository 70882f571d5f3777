"""The block structure of a document's text: paragraphs, headings, list items, table rows, code.

Why: text is often hard-wrapped (Markdown written at 80 columns, PDF lines, plain-text files), and
a line break inside a paragraph is not the end of a sentence. Cutting at every line break gives
half sentences, which the answerer then glues together in the wrong order. The rules follow
CommonMark's block structure, reduced to what answering needs:

- a blank line ends a block;
- `#` headings, table rows (lines with `|` cells), fenced code, thematic breaks, HTML-only lines
  and front matter (`---` YAML or `+++` TOML at the very start) are blocks of their own, line by
  line;
- a list item (`-`, `*`, `+`, `•`, `1.`, `1)`) starts a block; the lines after it that start no
  other block continue it (lazy continuation), so a wrapped list item stays whole;
- a block quote (`>`) continues while its lines start with `>`;
- any other line continues the open paragraph (a soft line break, read as a space) unless the
  previous line ends a line on purpose (two trailing spaces or a backslash: a hard break);
- a paragraph line followed by `===` or `---` is a (setext) heading.

Offsets always point into the original text: nothing is rewritten or reordered, so citations
and chunk boundaries stay exact. Written by hand because Markdown libraries (markdown-it,
mistune) render or build trees without character offsets for every line, and this must also
read the Markdown-like text that the HTML and PDF loaders write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["paragraph", "heading", "list_item", "quote", "table_row", "table_header", "table_rule",
                    "code", "front_matter", "rule", "html"]

LIST_MARKER = re.compile(r"[ \t]*(?:[-*+•‣◦▪●][ \t]+|\d{1,3}[.)][ \t]+)")
_ATX = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]+|$)")
_FENCE = re.compile(r"[ \t]{0,3}(```|~~~)")
_RULE = re.compile(r"[ \t]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_SETEXT = re.compile(r"[ \t]{0,3}(?:=+|-+)[ \t]*$")
_QUOTE = re.compile(r"[ \t]{0,3}>")
_HTML_LINE = re.compile(r"[ \t]*</?[A-Za-z][^>]*>[ \t]*$|[ \t]*<!--.*-->[ \t]*$")
_TABLE_RULE_CELL = re.compile(r"[ \t:|-]+$")


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


def is_table_line(line: str) -> bool:
    """A table row: `| a | b |`, or `a | b` cells as the HTML loader used to write them."""
    s = line.strip()
    return "|" in s and (s.startswith("|") or " | " in s)


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


def blocks(text: str) -> list[Block]:
    """The blocks of `text`, in order (see the module docstring for the rules)."""
    lines = _line_spans(text)
    out: list[Block] = []
    n_front = _front_matter_end(text, lines)
    if n_front:
        out.append(Block("front_matter", tuple(lines[:n_front])))
    open_kind: BlockKind | None = None  # the paragraph-like block that a plain line would continue
    current: list[tuple[int, int]] = []
    in_fence: str | None = None
    table: list[tuple[int, int]] = []

    def close() -> None:
        nonlocal open_kind, current
        if current:
            out.append(Block(open_kind or "paragraph", tuple(current)))
        open_kind, current = None, []

    def close_table() -> None:
        nonlocal table
        for i, span in enumerate(table):
            cells = text[span[0]:span[1]].strip().strip("|")
            kind: BlockKind = ("table_rule" if _TABLE_RULE_CELL.match(cells + "|") else
                               "table_header" if i == 0 else "table_row")
            out.append(Block(kind, (span,)))
        table = []

    for i in range(n_front, len(lines)):
        a, b = lines[i]
        line = text[a:b]
        if in_fence is not None:
            if line.strip().startswith(in_fence):
                in_fence = None
                out.append(Block("code", ((a, b),)))
            else:
                out.append(Block("code", ((a, b),)))
            continue
        fence = _FENCE.match(line)
        if fence:
            close()
            close_table()
            in_fence = fence.group(1)
            out.append(Block("code", ((a, b),)))
            continue
        if not line.strip():
            close()
            close_table()
            continue
        if is_table_line(line):
            close()
            table.append((a, b))
            continue
        close_table()
        if _ATX.match(line):
            close()
            out.append(Block("heading", ((a, b),)))
            continue
        if open_kind == "paragraph" and len(current) == 1 and _SETEXT.match(line) and not LIST_MARKER.match(line):
            out.append(Block("heading", tuple(current)))
            out.append(Block("rule", ((a, b),)))
            open_kind, current = None, []
            continue
        if _RULE.match(line):
            close()
            out.append(Block("rule", ((a, b),)))
            continue
        if _HTML_LINE.match(line):
            close()
            out.append(Block("html", ((a, b),)))
            continue
        if LIST_MARKER.match(line):
            close()
            open_kind, current = "list_item", [(a, b)]
            continue
        if _QUOTE.match(line):
            if open_kind != "quote" or _hard_break(text, current):
                close()
                open_kind = "quote"
            current.append((a, b))
            continue
        if open_kind is not None and not _hard_break(text, current):
            current.append((a, b))  # a soft line break: the same paragraph, list item or quote
            continue
        close()
        open_kind, current = "paragraph", [(a, b)]
    close()
    close_table()
    return out


def _hard_break(text: str, current: list[tuple[int, int]]) -> bool:
    """Whether the last line of the open block ends with a Markdown hard line break."""
    if not current:
        return False
    a, b = current[-1]
    line = text[a:b]
    return line.endswith("  ") or line.endswith("\\")


def table_header_text(text: str, block: Block) -> list[str]:
    """The cells of a table header row."""
    a, b = block.lines[0]
    return [c.strip() for c in text[a:b].strip().strip("|").split("|")]
