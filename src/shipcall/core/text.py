"""Plain-text helpers shared by chunkers, the extractive generator and metrics: word and
sentence spans with character offsets. Written by hand because offsets into the original text
matter here (citations and chunk boundaries point back into documents), which the sentence
splitters of NLP libraries do not promise without heavy models."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipcall.core.blocks import BlockKind, blocks

_WORD = re.compile(r"\S+")
def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of white-space separated words in text[start:end]."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


# Line-leading markup that is not part of a sentence: Markdown headings, bullets, numbered
# list markers, block quotes.
_LINE_MARKUP = re.compile(r"(?:\s*(?:#{1,6}\s+|[-*+•‣◦▪●]\s+|\d{1,3}[.)]\s+|>\s*))+")
# A candidate end: terminal punctuation, optional closing quotes/brackets, white space.
_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_OPENERS = "\"'“‘(["
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr vs cf etc al fig figs no nos vol vols eq eqs approx dept inc ltd co
    corp jan feb mar apr jun jul aug sep sept oct nov dec mon tue wed thu fri sat sun hon rt""".split()
)
_INLINE_MARKER = re.compile(r"\s*\d{1,3}")
_DOTTED = re.compile(r"(?:[a-z]{1,2}\.)+[a-z]{1,2}")  # e.g  i.e  u.s  a.m


def _is_abbreviation(before: str) -> bool:
    """Whether the word ending just before a "." is an abbreviation (so "." is not an end)."""
    words = before.split()
    if not words:
        return False
    word = words[-1].lstrip(_OPENERS).lower()
    if len(word) == 1 and word.isalpha():  # an initial: "J. Smith"
        return True
    return word in _ABBREVIATIONS or _DOTTED.fullmatch(word) is not None


@dataclass(frozen=True)
class SentenceUnit:
    """A sentence with where it stands: its block's kind and index (see `core.blocks`)."""

    start: int
    end: int
    kind: BlockKind
    block: int


# Block kinds whose lines are read one by one (never joined to the next line).
_LINE_KINDS = frozenset(["heading", "table_row", "table_header", "table_rule", "code", "front_matter", "rule",
                         "html"])


def sentence_units(text: str) -> list[SentenceUnit]:
    """The sentences of `text` with their block kind and block index, in text order.

    Rules: blocks come from `core.blocks.blocks` (a blank line, a heading, a list item, a table
    row… start a new one; a soft line break inside a paragraph, list item or quote is a space, so
    hard-wrapped text reads as whole sentences). Headings, table rows, code and front-matter lines
    are one unit per line. Inside a paragraph-like block, line-leading markup (Markdown `#`,
    bullets, `1.`/`1)` list markers, `>` quotes) is not part of the sentence, and a sentence ends
    at `.`, `!` or `?` (plus closing quotes/brackets) followed by white space and an upper-case
    letter or a digit (optionally after an opening quote/bracket), except after an abbreviation
    (`e.g.`, `i.e.`, `Dr.`, `Fig.`, `No.`, a single initial, …). Spans are stripped of white
    space; spans without a letter or digit are dropped.
    """
    units: list[SentenceUnit] = []
    masked: str | None = None
    for index, block in enumerate(blocks(text)):
        spans: list[tuple[int, int]] = []
        if block.kind in _LINE_KINDS:
            for a, b in block.lines:
                m = _LINE_MARKUP.match(text, a, b)
                _add_span(text, m.end() if m else a, b, spans)
        else:
            if len(block.lines) > 1 and masked is None:
                masked = _mask_continuations(text)
            source = masked if len(block.lines) > 1 and masked is not None else text
            a, b = block.start, block.end
            m = _LINE_MARKUP.match(text, a, block.lines[0][1])
            _split_block(source, text, m.end() if m else a, b, spans)
        units.extend(SentenceUnit(a, b, block.kind, index) for a, b in spans)
    return units


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text` (rules: `sentence_units`)."""
    return [(u.start, u.end) for u in sentence_units(text)]


_CONTINUATION_MARKUP = re.compile(r"(?m)(?<=\n)[ \t]*(?:>[ \t]?)+")


def _mask_continuations(text: str) -> str:
    """The text with the `>` markup at the start of every line turned into spaces (same length),
    so that sentence ends are found across the lines of a quoted paragraph."""
    return _CONTINUATION_MARKUP.sub(lambda m: " " * len(m.group(0)), text)


def _split_block(source: str, text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    """Sentences of text[start:end]; `source` is the text or its masked copy (same offsets)."""
    for e in _END.finditer(source, start, end):
        nxt = e.end()
        while nxt < end and source[nxt] in _OPENERS:
            nxt += 1
        if nxt >= end or not (source[nxt].isupper() or source[nxt].isdigit()):
            continue
        punct = e.group(0).rstrip().rstrip("\"'”’)]")
        if punct == "." and _INLINE_MARKER.fullmatch(source, start, e.start()):
            start = e.end()  # an inline list marker ("… here. 2. Second"): not a sentence
            continue
        if punct == "." and _is_abbreviation(source[start:e.start()]):
            continue
        _add_span(text, start, e.end(), spans)
        start = e.end()
    _add_span(text, start, end, spans)


def _add_span(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if any(ch.isalnum() for ch in text[a:b]):
        spans.append((a, b))


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` (see `sentence_spans` for the rules)."""
    return [text[a:b] for a, b in sentence_spans(text)]



_SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*(?:>[ \t]?)*[ \t]*")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_SPACES = re.compile(r"[ \t]{2,}")


def strip_markup(sentence: str) -> str:
    """A sentence as a reader wants to see it: no leading `#`, bullet or quote marker, table
    cells joined by ` | `, soft line breaks (and the `>` of quoted continuation lines) read as
    one space, `[text](url)` links as their text, no `**`/`__` emphasis."""
    m = _LINE_MARKUP.match(sentence)
    s = sentence[m.end():] if m else sentence
    if s.startswith("|"):
        cells = [c.strip() for c in s.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            return ""
        s = " | ".join(c for c in cells if c)
    if "\n" in s:
        s = _SOFT_BREAK.sub(" ", s)
    if "](" in s:
        s = _LINK.sub(lambda m: m.group(1), s)
    if "<" in s:
        s = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), s)
    s = s.replace("**", "").replace("__", "")
    return _SPACES.sub(" ", s).strip()
