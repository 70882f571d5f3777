"""JSON Lines: one reader for datasets, BEIR queries and BEIR corpora, so a bad line gets the
same message everywhere. Pure: it takes text or an iterable of lines (the caller opens the
file; a file object streams, so a large corpus is never held whole)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from shipcall.errors import DatasetError, DatasetErrors, ShipcallError

HINT = "each line must be one JSON object"
MAX_ERRORS = 50  # bad lines reported at once; a file with more is probably not a dataset at all
T = TypeVar("T")


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


def parse_lines(lines: str | Iterable[str], parse: Callable[[Any, int], T], *, file: str | None = None,
                hint: str = HINT, comments: bool = False, max_errors: int = MAX_ERRORS) -> list[T]:
    """Each non-blank line decoded and passed to `parse(value, line)`, checking that the parsed
    ids (`.id`) are unique. Unlike json_lines it does not stop at the first bad line: every
    error (malformed JSON, a bad field, a duplicate id; `parse` may raise DatasetErrors for
    several problems of one line) is collected, up to `max_errors`. One error is raised as
    itself; several as DatasetErrors. With `comments`, lines starting with '#' are skipped (the
    dataset template is commented)."""
    source = lines.splitlines() if isinstance(lines, str) else lines
    out: list[T] = []
    errors: list[ShipcallError] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(source, start=1):
        if n == 1:
            raw = raw.removeprefix("\ufeff")
        if not raw.strip() or (comments and raw.lstrip().startswith("#")):
            continue
        try:
            value = parse(json_line(raw, n, file=file, hint=hint), n)
            item_id = getattr(value, "id", None)
            if item_id is not None and item_id in seen:
                raise DatasetError(f"duplicate id {json.dumps(item_id)} (first on line {seen[item_id]})",
                                   file=file, line=n, field="id", hint="item ids must be unique")
        except DatasetErrors as e:
            errors.extend(e.errors)
        except DatasetError as e:
            errors.append(e)
        else:
            if item_id is not None:
                seen[item_id] = n
            out.append(value)
        if len(errors) >= max_errors:
            raise DatasetErrors(errors[:max_errors], file=file, more=True)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DatasetErrors(errors, file=file)
    return out
