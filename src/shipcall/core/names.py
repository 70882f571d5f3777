"""Names people give to datasets and variants: one documented pattern, checked where a name enters.

A name is written on command lines (`--dataset NAME@2`), printed one per line (`dataset list`)
and joined into references, so it must not be empty, hold whitespace or a newline (a forged
extra line in a listing), or contain `@` (the version separator) or `/` (paths). The pattern:
a letter or digit, then up to 79 letters, digits, `.`, `_` or `-` (letters of any script).
"""

from __future__ import annotations

import re

from shipcall.errors import ConfigError

NAME_PATTERN = r"[^\W_][\w.-]{0,79}"
_NAME = re.compile(NAME_PATTERN)
NAME_HINT = ("a name is 1-80 letters, digits, '.', '_' or '-', starting with a letter or digit "
             "(no spaces, newlines, '@' or '/'), e.g. sample or prod-2026")


def is_valid_name(name: object) -> bool:
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def check_name(name: str, *, what: str, field: str | None = None) -> str:
    """`name` if it follows NAME_PATTERN, else a ConfigError naming the value and the rule."""
    if not is_valid_name(name):
        shown = name if isinstance(name, str) else type(name).__name__
        raise ConfigError(f"not a valid {what} name: {shown!r}", field=field, hint=NAME_HINT)
    return name
