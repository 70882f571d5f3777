"""Summarizers for the summarize task, by kind (entry-point group `shipcall.summarizers`).

A summarizer is constructed as `Cls(config, context)` (context: `store`, `root` for LLM kinds)
and has `summarize(text) -> Summary`; LLM kinds also `concurrency`, `budget`, `stats()`,
`identity()`, as the LLM generators."""

from __future__ import annotations

from typing import Any, Protocol

from shipcall.adapters.registry import SUMMARIZERS
from shipcall.core.tasks.summarize import Summary


class Summarizer(Protocol):
    def summarize(self, text: str) -> Summary: ...


def build_summarizer(config: Any, ctx: Any = None) -> Summarizer:
    cls = SUMMARIZERS.get(config.kind)
    return cls(config, ctx)


__all__ = ["Summarizer", "build_summarizer"]
