"""Ids you can type back: a unique prefix stands for the whole id, as git's abbreviated hashes do."""

from __future__ import annotations

from collections.abc import Iterable

from shipcall.errors import NotFoundError


def resolve_prefix(given: str, ids: Iterable[str], what: str, *, field: str | None = None,
                   hint: str | None = None) -> str:
    """The id equal to `given`, else the only id starting with it. An ambiguous prefix is an
    error listing the matches (at most 10); no match is an error too."""
    ids = list(ids)
    if given in ids:
        return given
    matches = sorted(i for i in ids if i.startswith(given)) if given else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        shown = ", ".join(matches[:10]) + (f" (+{len(matches) - 10} more)" if len(matches) > 10 else "")
        raise NotFoundError(f"{what} {given!r} is ambiguous: {len(matches)} match", field=field,
                            hint=f"type more characters; matches: {shown}")
    raise NotFoundError(f"no {what} {given!r}", field=field, hint=hint)
