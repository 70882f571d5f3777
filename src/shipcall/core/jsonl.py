"""JSON Lines: one reader for datasets, BEIR queries and BEIR corpora, so a bad line gets the
same message everywhere. Pure: it takes text or an iterable of lines (the caller opens the
file; a file object streams, so a large corpus is never held whole)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from shipcall.errors import DatasetError, ShipcallError

HINT = "each line must be one JSON object"


def json_line(raw: str, line: int, *, file: str | None = None, error: type[ShipcallError] = DatasetError,
               hint: str = HINT) -> Any:
    """One line's JSON value; a malformed line raises `error` naming the file, line and column."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError as e:
        raise error(f"malformed JSON: {e.msg} (column {e.colno})", file=file, line=line, hint=hint) from None


def json_lines(lines: str | Iterable[str], *, file: str | None = None, error: type[ShipcallError] = DatasetError,
               hint: str = HINT) -> Iterator[tuple[int, Any]]:
    """(1-based line number, decoded value) for each non-blank line. A byte-order mark on the
    first line is ignored. `error` is the ShipcallError subclass to raise (DatasetError for
    datasets and queries, CorpusError for a corpus); `hint` says what a line must hold."""
    source = lines.splitlines() if isinstance(lines, str) else lines
    for n, raw in enumerate(source, start=1):
        if n == 1:
            raw = raw.removeprefix("\ufeff")
        if raw.strip():
            yield n, json_line(raw, n, file=file, error=error, hint=hint)
