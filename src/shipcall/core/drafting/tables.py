"""Questions from Markdown table rows: the row's key and a value cell under its column header,
with the section heading as context. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable

from shipcall.core.drafting.clauses import phrase
from shipcall.core.drafting.lexicon import PREPOSITIONS, SKIP_START, base_of

_ATTRIBUTE_HEADERS = frozenset("""rule rules item items setting settings detail details field fields what policy
attribute property aspect topic""".split())


def from_table(header: list[str], row: list[str], heading: str, *,
               is_name: Callable[[str], bool] = lambda _: False) -> list[tuple[str, str, int]]:
    """(question, answer, column) per value cell of a Markdown table row under its header.

    When the value columns are names (`Lisbon | Toronto`: `is_name` says the document writes
    them capitalised mid-sentence) or the first column names attributes (`Rule`, `Item`, an
    empty header), the row is an attribute: `In <heading>, what is the <row> for <column>?`.
    Otherwise the row is an entity and the columns its attributes: `… what is the <column> for
    <row>?`, or `… what is listed under “<column>” for <row>?` when the column header is not a
    singular noun phrase (`When`, `Seats`, `Installed with`). One question when every value cell
    is the same."""
    if len(row) < 2 or len(header) != len(row):
        return []
    key = _plain(row[0])
    if not key or len(key.split()) > 8:
        return []
    values = [_plain(c) for c in row[1:]]
    where = f"In {heading}, " if heading else ""
    cols = [_plain(h) for h in header[1:]]
    attribute_rows = (_plain(header[0]).lower() in _ATTRIBUTE_HEADERS or not _plain(header[0])
                      or all(c and is_name(c) for c in cols))

    def low(x: str) -> str:
        return x[:1].lower() + x[1:] if not x[:2].isupper() and not is_name(x.split()[0]) else x

    plain_key = key[:1].isalpha() and not any(ch.isdigit() or ch in "@/:" for ch in key)
    if len(set(values)) == 1 and values[0]:
        q = f"{where}what is the {low(key)}" if attribute_rows and plain_key else f"{where}what is listed for {key}"
        return [(phrase([q]), values[0], 1)]
    out = []
    for j, v in enumerate(values, start=1):
        col = cols[j - 1]
        if not v or not col or v.lower() in ("-", "—", "n/a", "yes", "no"):
            continue
        if attribute_rows and not plain_key:
            q = f"{where}what is listed for {key} under “{col}”"
        elif attribute_rows:
            q = f"{where}what is the {low(key)} for {col}"
        elif _noun_header(col):
            q = f"{where}what is the {low(col)} for {key}"
        else:
            q = f"{where}what is listed under “{col}” for {key}"
        out.append((phrase([q]), v, j))
    return out


def _noun_header(col: str) -> bool:
    """A column header that reads as "the <header>": a short phrase that is not a question word,
    a verb phrase or a plural."""
    words = col.split()
    if not words or len(words) > 3 or words[0].lower() in SKIP_START | {"when", "who", "how", "why", "where"}:
        return False
    last = words[-1].lower()
    return not (last.endswith("s") and not last.endswith(("ss", "us", "is"))) and not any(
        base_of(w.lower()) not in (None,) and w.lower().endswith(("ed", "with")) for w in words) and not any(
        w.lower() in PREPOSITIONS for w in words)


def _plain(cell: str) -> str:
    """A table cell without Markdown emphasis or code marks."""
    return re.sub(r"\*\*|__|`", "", cell).strip().strip("*_ ")
