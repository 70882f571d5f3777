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


def test_nearest_ids_suggest_what_a_mistyped_document_id_meant() -> None:
    from shipcall.core.ids import nearest_ids

    ids = ["benefits/time-off/index.md", "hr/time-off.md", "hr/parental-leave.md", "it/vpn.md", "travel/visas.txt"]
    assert nearest_ids("benefits/time-off.md", ids)[0] == "benefits/time-off/index.md"  # a changed layout
    assert nearest_ids("time-off.md", ids)[0] == "hr/time-off.md"  # the folder left out
    assert nearest_ids("it/vpn.html", ids) == ["it/vpn.md"]  # another extension
    assert nearest_ids("hr/parental_leave.md", ids) == ["hr/parental-leave.md"]  # a typo
    assert nearest_ids("finance/budget.xlsx", ids) == []
