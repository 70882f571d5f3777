"""Ids you can type back: a unique prefix stands for the whole id, as git's abbreviated hashes do."""

from __future__ import annotations

import difflib
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


def nearest_ids(given: str, ids: Iterable[str], n: int = 3) -> list[str]:
    """The ids a mistyped one probably meant, most similar first (difflib's ratio): ids whose
    file name or name without extension is the same (a missing folder: `time-off.md` →
    `hr/time-off.md`; another extension), ids with that name as a folder (a changed layout:
    `benefits/time-off.md` → `benefits/time-off/index.md`), and otherwise similar ids."""
    ids = list(ids)

    def name(i: str) -> str:
        return i.rstrip("/").rsplit("/", 1)[-1]

    def stem(i: str) -> str:
        return name(i).rsplit(".", 1)[0]

    g_name, g_stem = name(given), stem(given)
    related = {i for i in ids if name(i) == g_name or (g_stem and (stem(i) == g_stem or f"/{g_stem}/" in f"/{i}"))}
    if not related:  # only when no id shares the name: ids that merely share a folder are weak guesses
        related.update(difflib.get_close_matches(given, ids, n=n, cutoff=0.6))
    return sorted(related, key=lambda i: (-difflib.SequenceMatcher(None, given, i).ratio(), i))[:n]
