"""Generators by name (the `shipcall.generators` entry point group; see adapters/registry.py)."""

from __future__ import annotations

from typing import Any

from shipcall.adapters.registry import GENERATORS


def names() -> list[str]:
    return GENERATORS.names()


def generator_class(kind: str) -> Any:
    return GENERATORS.get(kind)
