"""Item parsers by task: how a stored or imported item of each built-in task type is read back.

The store reads dataset versions through these (it cannot reach the task registry, which lives
above it); a plugin task's items are kept as the mappings they were stored as."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shipcall.core.datasets import parse_item as parse_rag_item
from shipcall.core.tasks import classify, summarize

ItemParser = Callable[..., Any]
BUILTIN = ("rag", "classify", "summarize")


def item_parser(task: str, labels: Sequence[str] = ()) -> ItemParser | None:
    """`parse(obj, *, file=None, line=None)` for a built-in task (classify: checked against
    `labels` when given), None for any other task."""
    if task == "rag":
        return parse_rag_item
    if task == "classify":
        allowed = frozenset(labels) if labels else None

        def parse(obj: Any, *, file: str | None = None, line: int | None = None) -> classify.ClassifyItem:
            return classify.parse_item(obj, file=file, line=line, labels=allowed)

        return parse
    if task == "summarize":
        return summarize.parse_item
    return None
