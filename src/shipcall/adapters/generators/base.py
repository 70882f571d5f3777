"""The Generator protocol. Built-in and plugin generators register under the
`shipcall.adapters.generators` entry point and are constructed as `Cls(config, retriever)`."""

from __future__ import annotations

from typing import Protocol

from shipcall.core.documents import ScoredChunk
from shipcall.core.runs import Answer

ABSTENTION = "The documents don't cover this."


class Generator(Protocol):
    def generate(self, question: str, chunks: list[ScoredChunk]) -> Answer: ...
