"""Plain-text helpers shared by chunkers, the extractive generator and metrics: word and
sentence spans with character offsets. Written by hand because offsets into the original text
matter here (citations and chunk boundaries point back into documents), which the sentence
splitters of NLP libraries do not promise without heavy models."""

from __future__ import annotations

import re

_WORD = re.compile(r"\S+")
# A sentence ends at . ! ? (optionally followed by quotes/brackets) before white space and an
# upper-case letter, digit or opening quote/bracket; or at a line break. Markdown bullets, table
# rows and headings are their own "sentences" because each sits on its own line.
_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n+")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|approx|Mr|Mrs|Ms|Dr|St|No|Inc|Ltd|Co|Jr|Sr)|\b[A-Z])\.$")
_MARKUP = re.compile(r"^\s*(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s*)")


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of white-space separated words in text[start:end]."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Character spans of the sentences in text[start:end], stripped of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for m in _END.finditer(text, start, end):
        if m.group(0).strip(" \t\"')]") == "" and "\n" not in m.group(0) and _ABBREV.search(text[pos:m.start()]):
            continue
        _add(text, pos, m.start(), spans)
        pos = m.end()
    _add(text, pos, end, spans)
    return spans


def _add(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a and any(ch.isalnum() for ch in text[a:b]):
        spans.append((a, b))


def split_sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def strip_markup(sentence: str) -> str:
    """A sentence as a reader wants to see it: no leading `#`, bullet, or table pipes."""
    s = _MARKUP.sub("", sentence)
    if s.startswith("|"):
        cells = [c.strip() for c in s.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            return ""
        s = " | ".join(c for c in cells if c)
    return s.replace("**", "").replace("__", "").strip()
