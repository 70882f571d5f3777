"""Plain-text helpers shared by chunkers, the extractive generator and metrics: word and
sentence spans with character offsets. Written by hand because offsets into the original text
matter here (citations and chunk boundaries point back into documents), which the sentence
splitters of NLP libraries do not promise without heavy models."""

from __future__ import annotations

import re

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


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of `text`.

    Rules: a line break always ends a sentence; line-leading markup (Markdown `#` headings,
    `-`/`*`/`•` bullets, `1.`/`1)` list markers, `>` quotes) is not part of the sentence; inside a
    line, a sentence ends at `.`, `!` or `?` (plus closing quotes/brackets) followed by white space
    and an upper-case letter or a digit (optionally after an opening quote/bracket), except after
    an abbreviation (`e.g.`, `i.e.`, `Dr.`, `Fig.`, `No.`, a single initial, …). Spans are
    stripped of white space; spans without a letter or digit are dropped.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        m = _LINE_MARKUP.match(text, start, end)
        if m:
            start = m.end()
        for e in _END.finditer(text, start, end):
            nxt = e.end()
            while nxt < end and text[nxt] in _OPENERS:
                nxt += 1
            if nxt >= end or not (text[nxt].isupper() or text[nxt].isdigit()):
                continue
            punct = e.group(0).rstrip().rstrip("\"'”’)]")
            if punct == "." and _INLINE_MARKER.fullmatch(text, start, e.start()):
                start = e.end()  # an inline list marker ("… here. 2. Second"): not a sentence
                continue
            if punct == "." and _is_abbreviation(text[start:e.start()]):
                continue
            _add_span(text, start, e.end(), spans)
            start = e.end()
        _add_span(text, start, end, spans)
    return spans


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



def strip_markup(sentence: str) -> str:
    """A sentence as a reader wants to see it: no leading `#`, bullet, or table pipes."""
    m = _LINE_MARKUP.match(sentence)
    s = sentence[m.end():] if m else sentence
    if s.startswith("|"):
        cells = [c.strip() for c in s.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            return ""
        s = " | ".join(c for c in cells if c)
    return s.replace("**", "").replace("__", "").strip()
