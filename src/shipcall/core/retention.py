"""How long the production log keeps a query: a duration like `30d`, in seconds. Pure: the caller
turns it into a cut-off from its own clock."""

from __future__ import annotations

import re

from shipcall.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_SECONDS = 100 * 365 * 86400  # a century: beyond it a "retention" means forever


def parse_duration(text: str, *, field: str = "--retain") -> float:
    """`30d`, `12h`, `2w`, `90m` in seconds (at least one second, at most a century)."""
    m = _DURATION.match(str(text))
    if not m:
        raise ConfigError(f"not a duration: {text!r}", field=field, hint="write a number and a unit: 30d, 12h, 2w, 90m")
    seconds = float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    if not 1 <= seconds <= MAX_SECONDS:
        raise ConfigError(f"out of range: {text!r}", field=field, hint="between 1s and 100 years (36500d)")
    return seconds
