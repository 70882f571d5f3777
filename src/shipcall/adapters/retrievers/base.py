"""The Retriever protocol every retrieval backend implements."""

from __future__ import annotations

from typing import Protocol

from shipcall.core.documents import Chunk, ScoredChunk


class Retriever(Protocol):
    chunks: list[Chunk]

    def retrieve(self, query: str, k: int) -> list[ScoredChunk]: ...

    def term_weight(self, term: str) -> float:
        """IDF-like weight of a stemmed term in the indexed chunks (for answer support)."""
        ...
