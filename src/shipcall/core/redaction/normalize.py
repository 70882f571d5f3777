"""Text as the recognizers see it: Unicode NFKC (full-width `＠１２３` → `@123`), every space
character a space, every dash a hyphen, zero-width characters gone — with a map back to the
original offsets, so that what is replaced is exactly what was written.

Each base character is normalised together with the combining marks that follow it (`e` + U+0301
→ `é`), so a decomposed name is one word to the patterns. ASCII text is returned as is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# removed: zero-width space / non-joiner / joiner, word joiner, invisible operators, BOM, soft
# hyphen, Mongolian vowel separator — they hide inside numbers and delimiters
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"), "")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u2043\u02d7"


_ASCII_DIGIT = re.compile(r"[0-9]")


def has_digit(text: str) -> bool:
    """Whether any character of `text` is a digit (`str.isdigit`: also `²`, `①` and the digits of
    other scripts). ASCII text, the usual case, is searched by `re` in C instead of a Python loop
    over its characters: for it the two answers are the same."""
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    return any(c.isdigit() for c in text)


def _char_map(c: str) -> str:
    if ord(c) in _INVISIBLE:
        return ""
    if c in _DASHES:
        return "-"
    cat = unicodedata.category(c)
    if cat == "Zs":
        return " "
    if cat == "Pd":
        return "-"
    return unicodedata.normalize("NFKC", c)


@dataclass(frozen=True)
class Normalized:
    """`text` (normalised) and, per character of it, the original span it came from."""

    text: str
    starts: tuple[int, ...] | None  # None: identical to the original
    ends: tuple[int, ...] | None

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The original offsets of the normalised span [start, end)."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            return self.starts[start] if start < len(self.starts) else self.ends[-1], self.starts[start]
        return self.starts[start], self.ends[end - 1]


def normalize(text: str) -> Normalized:
    if text.isascii():
        return Normalized(text, None, None)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = text[i:j]
        if j - i == 1:
            mapped = piece if piece.isascii() else _char_map(piece)
        else:
            mapped = unicodedata.normalize("NFKC", "".join(_char_map(c) for c in piece))
        for ch in mapped:
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    return Normalized("".join(out), tuple(starts), tuple(ends))
