"""What looks like personal data and is not: identifiers whose shape or checksum says what they
are. Number findings (phone, card, SSN, IP, date of birth) that overlap one of these spans are
dropped: UUIDs, MAC addresses, hashes (32+ hex digits), OIDs (arcs 0-2, then four or more dotted
numbers without leading zeros: `01.42.68.53.00` is a French phone number), ISO
timestamps, and ISBN/EAN/GTIN numbers (valid checksum, written with an ISBN/EAN/barcode word
before them or in the hyphenated ISBN shape)."""

from __future__ import annotations

import re

from shipcall.core.redaction.normalize import has_digit

_PATTERNS = [
    re.compile(r"(?<![\w-])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])"),
    re.compile(r"(?<![\w:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![\w:-])"),
    re.compile(r"(?<![\w])[0-9a-fA-F]{32,}(?![\w])"),
    re.compile(r"(?<![\w.])[012]\.(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*)){3,}(?![\w.])"),  # OIDs start with 0, 1 or 2
    re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:])"),
]
# What every match of the pattern beside it holds: searched first, in C from the first character
# that can begin it (a pattern that opens with a look-behind is tried at every position instead)
_HINTS = [re.compile(r"[0-9a-fA-F]{8}-"), re.compile(r"[0-9A-Fa-f]{2}[:-]"), re.compile(r"[0-9a-fA-F]{32}"),
          re.compile(r"[012]\.\d"), re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:")]
_CODE_WORD = re.compile(r"(?i:\b(?:isbn(?:-1[03])?|ean(?:-1[38])?|gtin|upc|barcode|bar\s+code)\b)\W{0,4}$")
_CODE = re.compile(r"(?<![\w-])(?:97[89][- ]?)?\d{1,5}[- ]?\d{1,7}[- ]?\d{1,7}[- ]?[\dXx](?![\w-])")
_ISBN_SHAPE = re.compile(r"(?<![\w-])(?:97[89]-)?\d{1,5}-\d{1,7}-\d{1,7}-[\dXx](?![\w-])")


def protected(text: str) -> list[tuple[int, int]]:
    out = [(m.start(), m.end()) for hint, rx in zip(_HINTS, _PATTERNS, strict=True) if hint.search(text)
           for m in rx.finditer(text)]
    if has_digit(text):
        from stdnum import ean, isbn

        for m in _CODE.finditer(text):
            compact = re.sub(r"[- ]", "", m.group())
            if len(compact) not in (8, 10, 12, 13):
                continue
            worded = _CODE_WORD.search(text, max(0, m.start() - 24), m.start()) is not None
            shaped = _ISBN_SHAPE.fullmatch(m.group()) is not None
            if (worded or shaped) and (isbn.is_valid(compact) or (compact.isdigit() and ean.is_valid(compact))):
                out.append((m.start(), m.end()))
    return out
