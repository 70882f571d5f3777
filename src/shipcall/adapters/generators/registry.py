"""Generators by name, loaded lazily from the `shipcall.adapters.generators` entry point group.

Built-in generators register there exactly like plugins. A broken plugin is a warning, not a
crash; `SHIPCALL_PLUGINS=a,b` restricts which entry points load.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from shipcall.errors import ConfigError

GROUP = "shipcall.generators"


@cache
def _entry_points() -> dict[str, Any]:
    allowed = {x.strip() for x in os.environ.get("SHIPCALL_PLUGINS", "").split(",") if x.strip()}
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    if allowed:
        found = {n: ep for n, ep in found.items() if n in allowed or n == "extractive"}
    return found


def names() -> list[str]:
    return sorted(_entry_points())


def generator_class(kind: str) -> Any:
    eps = _entry_points()
    if kind not in eps:
        raise ConfigError(f"unknown generator kind {kind!r}", field="generator.kind",
                          hint=f"registered generators: {', '.join(sorted(eps)) or '(none)'}")
    try:
        return eps[kind].load()
    except Exception as e:  # a broken plugin must not take the tool down
        print(f"warning: generator plugin {kind!r} failed to load: {e}", file=sys.stderr)
        raise ConfigError(f"generator plugin {kind!r} failed to load: {e}", field="generator.kind") from None
