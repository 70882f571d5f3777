"""Ids you can type back: a unique prefix stands for the whole id."""

from __future__ import annotations

import pytest

from shipcall.core.ids import resolve_prefix
from shipcall.errors import NotFoundError

IDS = ["3f2a9c1e0000", "3f2b11110000", "a91c00000000"]


def test_a_unique_prefix_or_the_whole_id_resolves() -> None:
    assert resolve_prefix("a9", IDS, "query") == "a91c00000000"
    assert resolve_prefix("3f2a", IDS, "query") == "3f2a9c1e0000"
    assert resolve_prefix("3f2b11110000", IDS, "query") == "3f2b11110000"


def test_an_ambiguous_prefix_lists_the_matches() -> None:
    with pytest.raises(NotFoundError) as e:
        resolve_prefix("3f2", IDS, "query")
    assert "ambiguous" in str(e.value) and "3f2a9c1e0000" in str(e.value) and "3f2b11110000" in str(e.value)


def test_no_match_and_an_empty_prefix_are_errors() -> None:
    for given in ("zz", ""):
        with pytest.raises(NotFoundError):
            resolve_prefix(given, IDS, "query")
