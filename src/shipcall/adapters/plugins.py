"""Kinds by name from an entry-point group, loaded lazily: classifiers and summarizers register
here exactly as plugins do (`[project.entry-points."shipcall.classifiers"]`). A broken plugin is
a warning plus a ConfigError naming it; `SHIPCALL_PLUGINS=a,b` restricts which plugins load
(built-ins always do)."""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from shipcall.errors import ConfigError


@cache
def _entry_points(group: str) -> dict[str, Any]:
    allowed = {x.strip() for x in os.environ.get("SHIPCALL_PLUGINS", "").split(",") if x.strip()}
    found = {ep.name: ep for ep in entry_points(group=group)}
    if allowed:
        found = {n: ep for n, ep in found.items() if n in allowed or ep.value.startswith("shipcall.")}
    return found


def names(group: str) -> list[str]:
    return sorted(_entry_points(group))


def load_kind(group: str, kind: str, field: str) -> Any:
    """The class registered as `kind` in `group` (`shipcall.classifiers`), or a ConfigError
    listing the registered kinds."""
    eps = _entry_points(group)
    what = group.rsplit(".", 1)[-1][:-1]
    if kind not in eps:
        raise ConfigError(f"unknown {what} kind {kind!r}", field=field,
                          hint=f"registered: {', '.join(sorted(eps)) or '(none)'}")
    try:
        return eps[kind].load()
    except Exception as e:  # a broken plugin must not take the tool down
        print(f"warning: {what} plugin {kind!r} failed to load: {e}", file=sys.stderr)
        raise ConfigError(f"{what} plugin {kind!r} failed to load: {e}", field=field) from None
